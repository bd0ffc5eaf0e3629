# Runs a command and checks its exit status and output, because ctest alone
# cannot: with PASS_REGULAR_EXPRESSION it ignores the exit status, and
# WILL_FAIL accepts any non-zero status (a wrong error path passes).
#
#   cmake [-DEXIT=N] [-DOUTPUT=REGEX] [-DERROR_LINE=REGEX] -P expect_run.cmake
#         -- COMMAND [ARGS...]
#
# EXIT        the exit status expected (default 0)
# OUTPUT      a regular expression the output (stdout and stderr, merged in
#             the order produced) must match
# ERROR_LINE  stderr must be exactly one line, matching this expression
#
# The command's output is echoed so that ctest's FAIL_REGULAR_EXPRESSION
# still sees it.

if(NOT DEFINED EXIT)
  set(EXIT 0)
endif()

set(command "")
set(after_dashes FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_dashes)
    # An argument's own semicolons must not split it.
    string(REPLACE ";" "\\;" arg "${CMAKE_ARGV${i}}")
    list(APPEND command "${arg}")
  elseif("${CMAKE_ARGV${i}}" STREQUAL "--")
    set(after_dashes TRUE)
  endif()
endforeach()
if(NOT command)
  message(FATAL_ERROR "expect_run: no command after --")
endif()

# stderr on its own when its lines are counted; otherwise merged with stdout
# so that an expression spanning both sees them in order.
if(DEFINED ERROR_LINE)
  execute_process(COMMAND ${command} RESULT_VARIABLE status
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(all "${out}${err}")
else()
  execute_process(COMMAND ${command} RESULT_VARIABLE status
                  OUTPUT_VARIABLE all ERROR_VARIABLE all)
endif()
message("${all}")

set(failures "")
if(NOT "${status}" STREQUAL "${EXIT}")
  string(APPEND failures "\n  exit status ${status}, expected ${EXIT}")
endif()
if(DEFINED OUTPUT AND NOT all MATCHES "${OUTPUT}")
  string(APPEND failures "\n  output does not match '${OUTPUT}'")
endif()
if(DEFINED ERROR_LINE)
  string(REGEX REPLACE "\n$" "" line "${err}")
  if(line MATCHES "\n" OR NOT err MATCHES "\n$")
    string(APPEND failures "\n  stderr is not exactly one line")
  elseif(NOT line MATCHES "${ERROR_LINE}")
    string(APPEND failures "\n  stderr does not match '${ERROR_LINE}'")
  endif()
endif()
if(failures)
  list(JOIN command " " shown)
  message(FATAL_ERROR "expect_run: ${shown}${failures}")
endif()
