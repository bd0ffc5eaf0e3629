#pragma once

// The cryptography of node authentication, on OpenSSL's libcrypto: keyed
// hashes over challenges, random nonces, constant-time comparison and the
// shared-secret file. The secret itself never leaves the process; peers
// prove they hold it by answering a fresh challenge.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/expected.hpp>

namespace troupe::detail {

/// Size of nonces and proofs (HMAC-SHA256 output).
constexpr size_t proof_size = 32;

using proof = std::array<uint8_t, proof_size>;

using nonce = std::array<uint8_t, proof_size>;

/// HMAC-SHA256 of `data` under `key`.
proof hmac_sha256(const std::string& key, const uint8_t* data, size_t size);

/// A nonce from the operating system's random source. Error `io_error`
/// when the source fails (the caller must then refuse to authenticate).
caf::expected<nonce> make_nonce();

/// Compares in constant time, so a peer cannot learn a proof byte by byte
/// from response times.
bool equal_proofs(const proof& x, const proof& y) noexcept;

/// Shortest secret accepted from a file.
constexpr size_t min_secret_size = 16;

/// Reads the shared secret from `path`: the whole file without a trailing
/// newline. Refuses (error `invalid_config`, naming the file) a missing or
/// unreadable file, a file other users may read, and a secret shorter than
/// `min_secret_size` bytes.
caf::expected<std::string> read_secret_file(const std::string& path);

} // namespace troupe::detail
