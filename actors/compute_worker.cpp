#include "troupe/actors/compute_worker.hpp"

namespace troupe {

caf::expected<caf::message> compute_worker::read(const caf::message& x) {
  return x;
}

namespace {

caf::result<work_output> wrap(caf::expected<caf::message> x) {
  if (!x)
    return std::move(x.error());
  return work_output{std::move(*x)};
}

} // namespace

handler_set compute_worker::handlers() {
  return handle(
      [this](compute_atom,
             const caf::message& input) -> caf::result<work_output> {
        return wrap(guarded("compute", [&] { return compute(input); }));
      },
      [this](read_atom,
             const caf::message& descriptor) -> caf::result<work_output> {
        return wrap(guarded("read", [&] { return read(descriptor); }));
      },
      [this](compute_atom, read_atom,
             const caf::message& descriptor) -> caf::result<work_output> {
        auto input = guarded("read", [&] { return read(descriptor); });
        if (!input)
          return std::move(input.error());
        return wrap(guarded("compute", [&] { return compute(*input); }));
      });
}

} // namespace troupe
