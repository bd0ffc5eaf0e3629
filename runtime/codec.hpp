#pragma once

// Encodings of logged payloads: hex text, msgpack (MCL_LOG) and JSON (JSON
// Lines). Decoders never throw and never read out of bounds; on failure
// they return false and say why in `error` (with the byte offset).

#include <string>
#include <string_view>

#include "troupe/messages/value.hpp"

namespace troupe::codec {

/// Nesting deeper than this is refused (stack safety on hostile input).
constexpr int max_depth = 256;

/// Decodes hex digits (either case) into bytes.
bool decode_hex(std::string_view text, std::string& out, std::string& error);

/// Appends the lower-case hex digits of `bytes`.
void append_hex(std::string& out, std::string_view bytes);

/// Decodes exactly one msgpack object spanning all of `bytes`.
bool decode_msgpack(std::string_view bytes, value& out, std::string& error);

/// Appends the msgpack encoding of `x` (smallest form of every integer,
/// string and container header; reals as float64).
void append_msgpack(std::string& out, const value& x);

/// Parses exactly one JSON document spanning all of `text` (surrounding
/// white space allowed). `{"$binary": "<hex>"}` becomes a binary and
/// `{"$map": [[k, v], ...]}` a map with non-string keys, the forms
/// `to_json` writes.
bool parse_json(std::string_view text, value& out, std::string& error);

/// Parses one JSON object member by member without building the object:
/// each member's value goes into `slot_of(ctx, key)`, or is parsed and
/// dropped when that returns nullptr. Used for records, whose top level is
/// known.
bool parse_json_members(std::string_view text, void* ctx,
                        value* (*slot_of)(void*, std::string_view),
                        std::string& error);

} // namespace troupe::codec
