#include "troupe/runtime/experiment/run_nodes.hpp"

#include <filesystem>
#include <unistd.h>

namespace troupe::detail {

namespace {

caf::error refuse(const std::string& file, const node_desc& n, size_t index,
                  const std::string& field, const std::string& what) {
  return make_error(errc::bad_input, file + ":" + std::to_string(n.line)
                                         + ": node[" + std::to_string(index)
                                         + "]." + field + ": " + what);
}

std::string resolve(const std::string& path, const std::string& file) {
  namespace fs = std::filesystem;
  if (path.empty() || fs::path{path}.is_absolute())
    return path;
  return (fs::path{file}.parent_path() / path).string();
}

} // namespace

caf::expected<cluster_options> node_options(const description& desc,
                                            const std::string& file) {
  // The file checked that every node uses the same credentials.
  auto& first = desc.nodes.front();
  cluster_options opts;
  char host[64] = {0};
  gethostname(host, sizeof(host) - 1);
  opts.name = "run-" + std::string{host} + "-" + std::to_string(getpid());
  if (!first.secret_file.empty()) {
    auto secret = read_secret_file(resolve(first.secret_file, file));
    if (!secret)
      return refuse(file, first, 0, "secret_file", to_text(secret.error()));
    opts.secret = std::move(*secret);
  }
  opts.tls
      = tls_options{resolve(first.tls_cert, file), resolve(first.tls_key, file),
                    resolve(first.tls_ca, file)};
  if (auto err = validate(opts))
    return refuse(file, first, 0, "tls_cert", to_text(err));
  return opts;
}

caf::error connect_nodes(cluster& node, const description& desc,
                         const std::string& file) {
  for (size_t i = 0; i < desc.nodes.size(); ++i) {
    auto& n = desc.nodes[i];
    auto to = parse_endpoint(n.address, "address");
    if (!to)
      return refuse(file, n, i, "address", to_text(to.error()));
    auto name = node.connect(*to);
    if (!name)
      return refuse(file, n, i, "address", to_text(name.error()));
    if (*name != n.name)
      return refuse(file, n, i, "name",
                    "the node at " + n.address + " is named '" + *name
                        + "', not '" + n.name + "'");
  }
  return caf::none;
}

} // namespace troupe::detail
