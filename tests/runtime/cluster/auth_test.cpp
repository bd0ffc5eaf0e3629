#include <cstdio>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/cluster/auth.hpp"

#include <doctest/doctest.h>

namespace {

std::string hex(const troupe::detail::proof& x) {
  std::string result;
  char buf[3];
  for (auto byte : x) {
    std::snprintf(buf, sizeof(buf), "%02x", byte);
    result += buf;
  }
  return result;
}

/// A file in the test's temporary directory, removed afterwards.
struct temp_file {
  std::string path;

  temp_file(const std::string& content, mode_t mode) {
    char name[] = "/tmp/troupe-secret-XXXXXX";
    int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, content.data(), content.size())
            == static_cast<ssize_t>(content.size()));
    ::close(fd);
    path = name;
    ::chmod(name, mode);
  }

  ~temp_file() { std::remove(path.c_str()); }
};

} // namespace

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2") {
  std::string data = "what do ya want for nothing?";
  auto mac = troupe::detail::hmac_sha256(
      "Jefe", reinterpret_cast<const uint8_t*>(data.data()), data.size());
  CHECK(hex(mac)
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("nonces are fresh and proofs compare exactly") {
  auto a = troupe::detail::make_nonce();
  auto b = troupe::detail::make_nonce();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a != *b);
  troupe::detail::proof x{};
  auto y = x;
  CHECK(troupe::detail::equal_proofs(x, y));
  y[31] = 1;
  CHECK_FALSE(troupe::detail::equal_proofs(x, y));
}

TEST_CASE("a secret file is read without its trailing newline") {
  temp_file file{"0123456789abcdef-secret\n", 0600};
  auto secret = troupe::detail::read_secret_file(file.path);
  REQUIRE(secret);
  CHECK(*secret == "0123456789abcdef-secret");
}

TEST_CASE("unsafe or unusable secret files are refused with the reason") {
  using troupe::detail::read_secret_file;
  SUBCASE("missing") {
    auto x = read_secret_file("/nonexistent/troupe.secret");
    REQUIRE_FALSE(x);
    CHECK(troupe::code_of(x.error()) == troupe::errc::invalid_config);
    CHECK(troupe::to_text(x.error()).find("/nonexistent/troupe.secret")
          != std::string::npos);
  }
  SUBCASE("readable by others") {
    temp_file file{"0123456789abcdef-secret", 0644};
    auto x = read_secret_file(file.path);
    REQUIRE_FALSE(x);
    CHECK(troupe::to_text(x.error()).find("chmod 600") != std::string::npos);
  }
  SUBCASE("too short") {
    temp_file file{"short", 0600};
    auto x = read_secret_file(file.path);
    REQUIRE_FALSE(x);
    CHECK(troupe::to_text(x.error()).find("at least 16") != std::string::npos);
  }
}
