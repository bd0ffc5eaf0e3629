#include "troupe/runtime/cluster/auth.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sys/stat.h>

#include "troupe/messages/errors.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace troupe::detail {

proof hmac_sha256(const std::string& key, const uint8_t* data, size_t size) {
  proof result{};
  unsigned int length = 0;
  // HMAC() only fails on allocation failure; a zero proof then matches no
  // peer's proof, so authentication fails closed.
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data, size,
           result.data(), &length)
          == nullptr
      || length != result.size())
    result.fill(0);
  return result;
}

caf::expected<nonce> make_nonce() {
  nonce result{};
  if (RAND_bytes(result.data(), static_cast<int>(result.size())) != 1)
    return make_error(errc::io_error,
                      "the random source failed; cannot authenticate");
  return result;
}

bool equal_proofs(const proof& x, const proof& y) noexcept {
  return CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0;
}

caf::expected<std::string> read_secret_file(const std::string& path) {
  auto fail = [&](const std::string& why) {
    return make_error(errc::invalid_config, "secret file " + path + ": " + why);
  };
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return fail(std::strerror(errno));
  if (!S_ISREG(info.st_mode))
    return fail("not a regular file");
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return fail("readable by other users; restrict it with chmod 600");
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return fail("cannot be opened");
  std::string secret{std::istreambuf_iterator<char>{in},
                     std::istreambuf_iterator<char>{}};
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r'))
    secret.pop_back();
  if (secret.size() < min_secret_size)
    return fail("the secret has " + std::to_string(secret.size())
                + " bytes; use at least " + std::to_string(min_secret_size));
  return secret;
}

} // namespace troupe::detail
