#include "troupe/runtime/cluster/handshake.hpp"

#include <algorithm>
#include <cstring>

namespace troupe::detail {

namespace {

constexpr uint8_t magic[4] = {'T', 'R', 'P', 'E'};
constexpr uint8_t accepted[4] = {'T', 'R', 'O', 'K'};
constexpr uint8_t rejected[4] = {'T', 'R', 'N', 'O'};

constexpr uint16_t secret_flag = 0x01;
constexpr uint16_t tls_flag = 0x02;

void put_u16(std::vector<uint8_t>& out, uint16_t x) {
  out.push_back(static_cast<uint8_t>(x >> 8));
  out.push_back(static_cast<uint8_t>(x & 0xFF));
}

uint16_t get_u16(const uint8_t* in) {
  return static_cast<uint16_t>((in[0] << 8) | in[1]);
}

template <class Bytes>
void append(std::vector<uint8_t>& out, const Bytes& xs) {
  out.insert(out.end(), std::begin(xs), std::end(xs));
}

bool has_magic(const uint8_t* frame) {
  return std::memcmp(frame, magic, sizeof(magic)) == 0;
}

std::string describe(handshake_status status, bool own_secret, bool own_tls) {
  switch (status) {
    case handshake_status::ok: return "no error";
    case handshake_status::version_mismatch:
      return "the node speaks another handshake version";
    case handshake_status::secret_mismatch:
      return own_secret ? "the node runs without a secret"
                        : "the node requires a secret (--secret-file)";
    case handshake_status::tls_mismatch:
      return own_tls ? "the node does not use TLS"
                     : "the node requires TLS (--tls-cert, --tls-key, "
                       "--tls-ca)";
    case handshake_status::busy:
      return "the node has too many pending handshakes";
  }
  return "the node refused with status "
         + std::to_string(static_cast<int>(status));
}

} // namespace

handshake::handshake(handshake_params params, const nonce& own, bool client,
                     bool busy)
    : params_(std::move(params)),
      own_nonce_(own),
      client_(client),
      busy_(busy) {
  // nop
}

handshake handshake::client(handshake_params params,
                            const nonce& client_nonce) {
  return handshake{std::move(params), client_nonce, true, false};
}

handshake handshake::server(handshake_params params, const nonce& server_nonce,
                            bool busy) {
  return handshake{std::move(params), server_nonce, false, busy};
}

uint16_t handshake::flags() const noexcept {
  uint16_t result = 0;
  if (!params_.secret.empty())
    result |= secret_flag;
  if (params_.tls)
    result |= tls_flag;
  return result;
}

proof handshake::make_proof(const char* label, uint16_t client_flags) const {
  if (params_.secret.empty())
    return proof{};
  // The client's nonce always comes first, whichever side computes.
  const auto& client_nonce = client_ ? own_nonce_ : peer_nonce_;
  const auto& server_nonce = client_ ? peer_nonce_ : own_nonce_;
  std::vector<uint8_t> input{label, label + std::strlen(label)};
  append(input, client_nonce);
  append(input, server_nonce);
  put_u16(input, client_flags);
  return hmac_sha256(params_.secret, input.data(), input.size());
}

handshake_step handshake::fail(std::string why, std::vector<uint8_t> send) {
  state_ = state::finished;
  handshake_step result;
  result.send = std::move(send);
  result.failure = std::move(why);
  return result;
}

handshake_step handshake::start() {
  handshake_step result;
  if (client_) {
    append(result.send, magic);
    put_u16(result.send, version);
    put_u16(result.send, flags());
    append(result.send, own_nonce_);
    result.expect = challenge_size;
    state_ = state::client_await_challenge;
  } else {
    result.expect = hello_size;
    state_ = state::server_await_hello;
  }
  return result;
}

handshake_step handshake::receive(const uint8_t* frame, size_t size) {
  switch (state_) {
    case state::server_await_hello:
      if (size == hello_size)
        return on_hello(frame);
      break;
    case state::client_await_challenge:
      if (size == challenge_size)
        return on_challenge(frame);
      break;
    case state::server_await_response:
      if (size == response_size)
        return on_response(frame);
      break;
    case state::client_await_result:
      if (size == result_size)
        return on_result(frame);
      break;
    default: return fail("the handshake is already over");
  }
  return fail("a handshake frame has the wrong size");
}

handshake_step handshake::on_hello(const uint8_t* frame) {
  if (!has_magic(frame))
    return fail("not a troupe peer");
  client_flags_ = get_u16(frame + 6);
  std::copy(frame + 8, frame + 8 + peer_nonce_.size(), peer_nonce_.begin());
  auto status = handshake_status::ok;
  std::string why;
  bool peer_secret = (client_flags_ & secret_flag) != 0;
  bool peer_tls = (client_flags_ & tls_flag) != 0;
  if (get_u16(frame + 4) != version) {
    status = handshake_status::version_mismatch;
    why = "the peer speaks handshake version "
          + std::to_string(get_u16(frame + 4));
  } else if (peer_secret != !params_.secret.empty()) {
    status = handshake_status::secret_mismatch;
    why = peer_secret ? "the peer has a secret but this node has none"
                      : "missing secret";
  } else if (peer_tls != params_.tls) {
    status = handshake_status::tls_mismatch;
    why = peer_tls ? "the peer uses TLS but this node does not"
                   : "the peer does not use TLS";
  } else if (busy_) {
    status = handshake_status::busy;
    why = "too many pending handshakes";
  }
  std::vector<uint8_t> out;
  append(out, magic);
  put_u16(out, version);
  put_u16(out, static_cast<uint16_t>(status));
  append(out, own_nonce_);
  append(out, make_proof("troupe/1 server", client_flags_));
  if (status != handshake_status::ok) {
    // Refusals carry no proof: nothing about the secret leaks to a peer
    // that will not get in anyway.
    std::fill(out.end() - proof_size, out.end(), uint8_t{0});
    return fail(std::move(why), std::move(out));
  }
  state_ = state::server_await_response;
  handshake_step result;
  result.send = std::move(out);
  result.expect = response_size;
  return result;
}

handshake_step handshake::on_challenge(const uint8_t* frame) {
  if (!has_magic(frame))
    return fail("not a troupe node");
  if (get_u16(frame + 4) != version)
    return fail("the node speaks handshake version "
                + std::to_string(get_u16(frame + 4)));
  auto status = static_cast<handshake_status>(get_u16(frame + 6));
  if (status != handshake_status::ok)
    return fail(describe(status, !params_.secret.empty(), params_.tls));
  std::copy(frame + 8, frame + 8 + peer_nonce_.size(), peer_nonce_.begin());
  proof peer_proof{};
  std::copy(frame + 40, frame + 40 + peer_proof.size(), peer_proof.begin());
  std::vector<uint8_t> out;
  append(out, make_proof("troupe/1 client", flags()));
  if (!params_.secret.empty()
      && !equal_proofs(peer_proof, make_proof("troupe/1 server", flags()))) {
    // Our proof still goes out: it tells the node (and its log) that the
    // secrets differ, and reveals nothing a fresh challenge would accept.
    return fail("the node does not hold the same secret", std::move(out));
  }
  state_ = state::client_await_result;
  handshake_step result;
  result.send = std::move(out);
  result.expect = result_size;
  return result;
}

handshake_step handshake::on_response(const uint8_t* frame) {
  proof peer_proof{};
  std::copy(frame, frame + peer_proof.size(), peer_proof.begin());
  std::vector<uint8_t> out;
  if (!params_.secret.empty()
      && !equal_proofs(peer_proof,
                       make_proof("troupe/1 client", client_flags_))) {
    append(out, rejected);
    return fail("wrong secret", std::move(out));
  }
  append(out, accepted);
  state_ = state::finished;
  handshake_step result;
  result.send = std::move(out);
  result.done = true;
  return result;
}

handshake_step handshake::on_result(const uint8_t* frame) {
  if (std::memcmp(frame, accepted, sizeof(accepted)) == 0) {
    state_ = state::finished;
    handshake_step result;
    result.done = true;
    return result;
  }
  if (std::memcmp(frame, rejected, sizeof(rejected)) == 0)
    return fail("the node refused the secret");
  return fail("the node answered with an unknown result");
}

} // namespace troupe::detail
