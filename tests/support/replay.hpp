#pragma once

// Helpers for the replay tests: the MCL fixtures, temporary directories and
// compact views of records.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "troupe/messages/errors.hpp"
#include "troupe/messages/replay.hpp"
#include "troupe/runtime/log_source.hpp"

namespace test {

inline std::string mcl_dir(const std::string& name) {
  return std::string{TROUPE_TEST_DATA_DIR} + "/mcl/" + name;
}

/// A fresh directory removed again at scope exit.
class temp_dir {
public:
  temp_dir() {
    auto base = std::filesystem::temp_directory_path() / "troupe-test-XXXXXX";
    std::string pattern = base.string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }

  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  std::string file(const std::string& name) const { return path_ + "/" + name; }

  /// Writes `content` to `name` and returns its path.
  std::string write(const std::string& name, const std::string& content) const {
    auto path = file(name);
    std::ofstream out{path, std::ios::binary};
    out << content;
    return path;
  }

  const std::string& path() const { return path_; }

private:
  std::string path_;
};

/// "A 0.01" style labels: the last letter of the type and the `data` field.
inline std::string label(const troupe::record& x) {
  char buf[64];
  auto* data = x.payload.find("data");
  std::snprintf(buf, sizeof(buf), "%c %.2f",
                x.type.empty() ? '?' : x.type.back(),
                data != nullptr ? data->to_double() : -1.0);
  return buf;
}

inline std::vector<std::string> labels(const std::vector<troupe::record>& xs) {
  std::vector<std::string> result;
  for (auto& x : xs)
    result.push_back(label(x));
  return result;
}

/// The 20 labels of the MCL fixtures: A 0.00 ... A 0.09, B 0.10 ... B 1.00.
inline std::vector<std::string> fixture_labels() {
  std::vector<std::string> result;
  char buf[16];
  for (int i = 0; i < 10; ++i) {
    std::snprintf(buf, sizeof(buf), "A %.2f", i * 0.01);
    result.push_back(buf);
  }
  for (int i = 1; i <= 10; ++i) {
    std::snprintf(buf, sizeof(buf), "B %.2f", i * 0.1);
    result.push_back(buf);
  }
  return result;
}

inline std::vector<troupe::record>
read_logs(const std::vector<std::string>& paths, troupe::read_options opts = {},
          std::vector<troupe::bad_record>* bad = nullptr) {
  auto src = troupe::open_logs(paths, opts);
  if (!src)
    throw std::runtime_error(troupe::to_text(src.error()));
  return troupe::read_all(**src, bad);
}

/// A record on `topic` with payload {name: type, data: seconds}.
inline troupe::record make_record(double seconds, std::string topic,
                                  std::string type = "T") {
  troupe::record result;
  result.elapsed_ns = static_cast<int64_t>(seconds * 1e9 + 0.5);
  result.topic = std::move(topic);
  result.type = type;
  result.payload = troupe::value::map(
      {{"name", troupe::value{type}}, {"data", troupe::value{seconds}}});
  return result;
}

/// Three topics, 2,000 records a second in all, with ties: every 2 ms, "a"
/// and "b" at the same time, then "c" 0.5 ms and "a" 1 ms later. The
/// payload's `seq` is the record's position in the log.
inline std::vector<troupe::record> three_topic_records(int64_t n) {
  const char* topics[] = {"a", "b", "c", "a"};
  const int64_t offsets_ns[] = {0, 0, 500'000, 1'000'000};
  std::vector<troupe::record> result;
  for (int64_t i = 0; i < n; ++i) {
    troupe::record rec;
    rec.elapsed_ns = i / 4 * 2'000'000 + offsets_ns[i % 4];
    rec.topic = topics[i % 4];
    rec.type = "T";
    rec.payload = troupe::value::map({{"seq", troupe::value{i}}});
    result.push_back(std::move(rec));
  }
  return result;
}

/// Which of `three_topic_records(n)` a subscriber of `topics` gets.
inline std::vector<int64_t> seqs_on(const std::vector<troupe::record>& records,
                                    const std::vector<std::string>& topics) {
  std::vector<int64_t> result;
  for (auto& rec : records)
    if (std::find(topics.begin(), topics.end(), rec.topic) != topics.end())
      result.push_back(rec.payload.find("seq")->as_int());
  return result;
}

} // namespace test
