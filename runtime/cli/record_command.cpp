#include <memory>
#include <string>
#include <vector>

#include "troupe/runtime/cli/commands.hpp"
#include "troupe/runtime/cli/replay_support.hpp"

#include <CLI/CLI.hpp>

namespace troupe::cli {

namespace {

struct record_args {
  std::string topics;
  std::string out;
  std::string format = "mcl";
  std::vector<std::string> from;
  std::string speed = "max";
  uint64_t split_size = 0;
  uint64_t split_count = 0;
  std::string on_bad = "skip";
  std::string progress = "auto";
};

int run_record(const record_args& args) {
  if (args.format != "mcl" && args.format != "jsonl")
    return fail("record",
                "--format: expected mcl or jsonl, got '" + args.format + "'");
  if (args.from.empty())
    return fail("record",
                "nothing to record from: live sources arrive with nodes; "
                "give --from LOG_OR_DIR to record a replay");
  // Recording a replay is a replay whose sink writes the log: the records
  // keep their log times and topics.
  std::vector<std::string> argv{"troupe", "replay"};
  argv.insert(argv.end(), args.from.begin(), args.from.end());
  auto add = [&](const char* key, const std::string& val) {
    argv.push_back(key);
    argv.push_back(val);
  };
  add("--sink", args.format + ":" + args.out);
  add("--speed", args.speed);
  add("--on-bad-record", args.on_bad);
  add("--progress", args.progress);
  if (!args.topics.empty())
    add("--topics", args.topics);
  if (args.split_size > 0)
    add("--split-size", std::to_string(args.split_size));
  if (args.split_count > 0)
    add("--split-count", std::to_string(args.split_count));
  std::vector<char*> ptrs;
  for (auto& arg : argv)
    ptrs.push_back(arg.data());
  return main(static_cast<int>(ptrs.size()), ptrs.data(), {replay_command()});
}

} // namespace

subcommand record_command() {
  auto attach = [](CLI::App& app) -> std::function<int()> {
    auto args = std::make_shared<record_args>();
    app.add_option("--topics", args->topics,
                   "topics to record (A,B,...; default: all)");
    app.add_option("--out", args->out,
                   "output: a JSON Lines file, an MCL .log file or a "
                   "directory (one MCL log per message type)")
        ->required();
    app.add_option("--format", args->format, "mcl (default) or jsonl");
    app.add_option("--from", args->from,
                   "record what a replay of these logs publishes");
    app.add_option("--speed", args->speed,
                   "replay speed while recording (default max)");
    app.add_option("--split-size", args->split_size,
                   "start a new part after this many bytes");
    app.add_option("--split-count", args->split_count,
                   "start a new part after this many records");
    app.add_option("--on-bad-record", args->on_bad, "skip (default) or stop");
    app.add_option("--progress", args->progress, "auto, always or never");
    return [args] {
      return run_record(*args);
    };
  };
  return {"record", "Record topics into MCL or JSON Lines logs",
          std::move(attach)};
}

} // namespace troupe::cli
