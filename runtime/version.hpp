#pragma once

namespace troupe {

/// The project's version (semantic versioning).
constexpr const char* version = "0.1.0";

} // namespace troupe
