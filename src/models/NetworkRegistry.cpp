#include <torch/torch.h>

#include "Networks.h"
#include "ren/core/Error.h"

namespace ren::models {

NetworkRegistry& NetworkRegistry::instance() {
  static NetworkRegistry registry;
  return registry;
}

NetworkRegistry::NetworkRegistry() {
  for (auto make : {cnnNetwork, vitNetwork, mambaNetwork, swinUnetrNetwork}) add(make());
}

void NetworkRegistry::add(NetworkDefinition definition) {
  if (contains(definition.name)) throw UsageError("network '" + definition.name + "' is registered twice");
  definitions_.push_back(std::move(definition));
}

bool NetworkRegistry::contains(const std::string& name) const {
  for (const auto& d : definitions_)
    if (d.name == name) return true;
  return false;
}

const NetworkDefinition& NetworkRegistry::get(const std::string& name) const {
  for (const auto& d : definitions_)
    if (d.name == name) return d;
  std::string known;
  for (const auto& d : definitions_) known += (known.empty() ? "" : ", ") + d.name;
  throw ConfigError("unknown network architecture '" + name + "'; allowed: " + known);
}

std::vector<std::string> NetworkRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& d : definitions_) out.push_back(d.name);
  return out;
}

ExpertNetwork buildNetwork(const std::string& name, const NetworkSpec& spec) {
  return NetworkRegistry::instance().get(name).build(spec);
}

std::int64_t parameterCount(const torch::nn::Module& module) {
  std::int64_t n = 0;
  for (const auto& p : module.parameters(/*recurse=*/true))
    if (p.requires_grad()) n += p.numel();
  return n;
}

}  // namespace ren::models
