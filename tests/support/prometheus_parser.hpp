#pragma once

// A strict parser of Prometheus' text exposition format (version 0.0.4),
// written from the format's rules, for tests that must not check metrics by
// eye.

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace test {

struct sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct metric_family {
  std::string help;
  std::string type;
  std::vector<sample> samples;
};

/// Parses the text format strictly; throws `std::runtime_error` naming the
/// line and what is wrong.
class prometheus_parser {
public:
  std::map<std::string, metric_family> parse(const std::string& text) {
    *this = prometheus_parser{};
    if (!text.empty() && text.back() != '\n')
      fail(0, "the last line does not end with a newline");
    size_t line_no = 0;
    size_t pos = 0;
    while (pos < text.size()) {
      auto end = text.find('\n', pos);
      line_ = text.substr(pos, end - pos);
      pos = end + 1;
      ++line_no;
      no_ = line_no;
      if (line_.empty())
        continue;
      if (line_[0] == '#')
        comment();
      else
        sample_line();
    }
    return families_;
  }

private:
  [[noreturn]] void fail(size_t no, const std::string& why) {
    throw std::runtime_error("line " + std::to_string(no) + ": " + why + ": "
                             + line_);
  }

  [[noreturn]] void fail(const std::string& why) { fail(no_, why); }

  static bool metric_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
  }

  static bool metric_char(char c) {
    return metric_start(c) || std::isdigit(static_cast<unsigned char>(c));
  }

  static bool label_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
  }

  static bool label_char(char c) {
    return label_start(c) || std::isdigit(static_cast<unsigned char>(c));
  }

  std::string metric_name(size_t& i) {
    if (i >= line_.size() || !metric_start(line_[i]))
      fail("bad metric name");
    auto start = i;
    while (i < line_.size() && metric_char(line_[i]))
      ++i;
    return line_.substr(start, i - start);
  }

  void comment() {
    if (line_.rfind("# HELP ", 0) == 0 || line_.rfind("# TYPE ", 0) == 0) {
      bool help = line_[2] == 'H';
      size_t i = 7;
      auto name = metric_name(i);
      if (i >= line_.size() || line_[i] != ' ')
        fail("missing text after the metric name");
      auto rest = line_.substr(i + 1);
      auto& fam = families_[name];
      if (!fam.samples.empty())
        fail("HELP or TYPE after the family's samples");
      if (help) {
        if (!fam.help.empty())
          fail("second HELP for " + name);
        fam.help = unescape_help(rest);
      } else {
        static const std::set<std::string> types{
            "counter", "gauge", "histogram", "summary", "untyped"};
        if (!fam.type.empty())
          fail("second TYPE for " + name);
        if (types.count(rest) == 0)
          fail("unknown type '" + rest + "'");
        fam.type = rest;
      }
      check_order(name);
      return;
    }
    // Any other comment is allowed and ignored.
  }

  std::string unescape_help(const std::string& text) {
    std::string result;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '\\') {
        result += text[i];
        continue;
      }
      if (++i >= text.size())
        fail("dangling backslash in HELP");
      if (text[i] == 'n')
        result += '\n';
      else if (text[i] == '\\')
        result += '\\';
      else
        fail("bad escape in HELP");
    }
    return result;
  }

  void sample_line() {
    size_t i = 0;
    sample s;
    s.name = metric_name(i);
    if (i < line_.size() && line_[i] == '{')
      labels(i, s);
    if (i >= line_.size() || line_[i] != ' ')
      fail("missing value");
    ++i;
    auto end = line_.find(' ', i);
    auto value = line_.substr(i, end == std::string::npos ? end : end - i);
    s.value = parse_value(value);
    if (end != std::string::npos) {
      auto stamp = line_.substr(end + 1);
      if (stamp.empty() || stamp.find_first_not_of("-0123456789") != stamp.npos)
        fail("bad timestamp");
    }
    check_order(s.name);
    auto key = s.name;
    for (auto& kvp : s.labels)
      key += "|" + kvp.first + "=" + kvp.second;
    if (!series_.insert(key).second)
      fail("duplicate series " + key);
    families_[s.name].samples.push_back(std::move(s));
  }

  void labels(size_t& i, sample& s) {
    ++i;
    while (i < line_.size() && line_[i] != '}') {
      if (!label_start(line_[i]))
        fail("bad label name");
      auto start = i;
      while (i < line_.size() && label_char(line_[i]))
        ++i;
      auto name = line_.substr(start, i - start);
      if (i + 1 >= line_.size() || line_[i] != '=' || line_[i + 1] != '"')
        fail("label without =\"value\"");
      i += 2;
      std::string value;
      for (;;) {
        if (i >= line_.size())
          fail("unterminated label value");
        auto c = line_[i++];
        if (c == '"')
          break;
        if (c == '\\') {
          if (i >= line_.size())
            fail("dangling backslash");
          auto e = line_[i++];
          if (e == 'n')
            value += '\n';
          else if (e == '\\' || e == '"')
            value += e;
          else
            fail("bad escape in label value");
        } else {
          value += c;
        }
      }
      if (!s.labels.emplace(name, value).second)
        fail("label " + name + " twice");
      if (i < line_.size() && line_[i] == ',')
        ++i;
      else if (i < line_.size() && line_[i] != '}')
        fail("expected , or }");
    }
    if (i >= line_.size())
      fail("unterminated label set");
    ++i;
  }

  double parse_value(const std::string& text) {
    if (text == "NaN")
      return std::nan("");
    if (text == "+Inf")
      return HUGE_VAL;
    if (text == "-Inf")
      return -HUGE_VAL;
    char* end = nullptr;
    auto result = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0')
      fail("bad value '" + text + "'");
    return result;
  }

  /// All lines of one family form one group.
  void check_order(const std::string& name) {
    if (name == current_)
      return;
    if (!finished_.insert(current_).second && !current_.empty())
      fail("family " + current_ + " seen before");
    if (finished_.count(name) > 0)
      fail("family " + name + " is split");
    current_ = name;
  }

  std::string line_;
  size_t no_ = 0;
  std::map<std::string, metric_family> families_;
  std::set<std::string> series_;
  std::set<std::string> finished_;
  std::string current_;
};

} // namespace test
