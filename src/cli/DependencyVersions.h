#pragma once
#include <nlohmann/json.hpp>

namespace ren::cli {
/// Versions of ren and of every linked library, plus CUDA/NCCL availability (recorded in manifests).
nlohmann::json dependencyVersions();
}  // namespace ren::cli
