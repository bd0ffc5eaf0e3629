#pragma once

// The nodes of an experiment file: `troupe run` joins them before it
// registers anything, so that resources placed on them can be deployed
// there.

#include <optional>
#include <string>

#include "troupe/runtime/cluster/cluster.hpp"
#include "troupe/runtime/experiment/description.hpp"

#include <caf/expected.hpp>

namespace troupe::detail {

/// Cluster options for a controller that dials the nodes of `desc` (which
/// has at least one): their secret and TLS files, resolved against the
/// folder of `file`. Error `bad_input` "FILE:LINE: FIELD: what".
caf::expected<cluster_options> node_options(const description& desc,
                                            const std::string& file);

/// Connects to every node of `desc` and checks that each answers to the
/// name the file gives it. Error `bad_input` "FILE:LINE: FIELD: what".
caf::error connect_nodes(cluster& node, const description& desc,
                         const std::string& file);

} // namespace troupe::detail
