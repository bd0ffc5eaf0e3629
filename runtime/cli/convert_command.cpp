#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/cli/commands.hpp"
#include "troupe/runtime/cli/replay_support.hpp"
#include "troupe/runtime/log_source.hpp"
#include "troupe/runtime/log_writer.hpp"
#include "troupe/runtime/mcl_log.hpp"

#include <CLI/CLI.hpp>

namespace troupe::cli {

namespace {

struct convert_args {
  std::string in;
  std::string out;
  std::string format;
  std::string on_bad = "stop";
  std::string created; // empty: from the input
  bool include_raw = false;
};

/// The created time and revision of the first MCL_LOG header among
/// `files`, so that MCL -> JSON Lines -> MCL and MCL -> MCL keep them. A
/// set with inconsistent created times was refused when it was opened.
void keep_mcl_header(const std::vector<std::string>& files,
                     write_options& wopts) {
  for (auto& file : files) {
    bool present = false;
    auto hdr = mcl::read_header(file, present);
    if (hdr && present) {
      wopts.created = hdr->created;
      wopts.revision = hdr->revision;
      return;
    }
  }
}

/// Fails the conversion and removes what it wrote: a half-converted log
/// would look complete.
int abandon(log_writer& writer, const std::string& why) {
  writer.close();
  for (auto& file : writer.files()) {
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
  }
  return fail("convert", why + " (nothing written)");
}

int run_convert(const convert_args& args) {
  constexpr const char* cmd = "convert";
  write_options wopts;
  if (!args.format.empty()) {
    if (!parse_log_format(args.format, wopts.format))
      return fail(cmd,
                  "--format: expected mcl or jsonl, got '" + args.format + "'");
  } else {
    auto ends = [&](const char* ext) {
      std::string e{ext};
      return args.out.size() >= e.size()
             && args.out.compare(args.out.size() - e.size(), e.size(), e) == 0;
    };
    wopts.format = ends(".jsonl") || ends(".json") || ends(".ndjson")
                       ? log_format::jsonl
                       : log_format::mcl;
  }
  if (args.on_bad != "skip" && args.on_bad != "stop")
    return fail(cmd, "--on-bad-record: expected skip or stop");
  read_options ropts;
  ropts.include_raw = args.include_raw;
  auto src = open_logs({args.in}, ropts);
  if (!src)
    return fail(cmd, src.error());
  keep_mcl_header((*src)->files(), wopts);
  if (!args.created.empty())
    wopts.created = args.created;
  auto writer = log_writer::open(args.out, wopts);
  if (!writer)
    return fail(cmd, writer.error());
  record rec;
  bad_record bad;
  uint64_t skipped = 0;
  for (;;) {
    auto res = (*src)->next(rec, bad);
    if (res == record_source::result::end)
      break;
    if (res == record_source::result::bad) {
      auto where
          = bad.file + ":" + std::to_string(bad.line) + ": " + bad.reason;
      if (args.on_bad == "stop")
        return abandon(**writer, where);
      if (skipped++ == 0)
        std::fprintf(stderr, "troupe convert: skipping %s\n", where.c_str());
      continue;
    }
    if (auto err = (*writer)->write(rec))
      return abandon(**writer, to_text(err));
  }
  if (auto err = (*writer)->close())
    return abandon(**writer, to_text(err));
  std::printf(
      "converted %llu records into %zu file(s)%s\n",
      static_cast<unsigned long long>((*writer)->records()),
      (*writer)->files().size(),
      skipped > 0
          ? (", skipped " + std::to_string(skipped) + " bad record(s)").c_str()
          : "");
  return exit_ok;
}

} // namespace

subcommand convert_command() {
  auto attach = [](CLI::App& app) -> std::function<int()> {
    auto args = std::make_shared<convert_args>();
    app.add_option("in", args->in, "a log file or directory")->required();
    app.add_option("out", args->out,
                   "the output: a .jsonl file, an MCL .log file, or a "
                   "directory (one MCL log per message type)")
        ->required();
    app.add_option("--format", args->format,
                   "mcl or jsonl (default: by the output's extension)");
    app.add_option("--on-bad-record", args->on_bad,
                   "stop (default: exit 2) or skip");
    app.add_option("--created", args->created,
                   "the created time written into MCL headers (default: "
                   "the input's, else 1970-01-01 00:00:00)");
    app.add_flag("--include-raw", args->include_raw,
                 "also read raw-data (>>> None) logs in directories");
    return [args] {
      return run_convert(*args);
    };
  };
  return {"convert", "Convert logs between MCL_LOG and JSON Lines, losslessly",
          std::move(attach)};
}

} // namespace troupe::cli
