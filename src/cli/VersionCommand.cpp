#include <iostream>

#include "CliCommand.h"
#include "DependencyVersions.h"

namespace ren::cli {

std::vector<CliCommand> versionCommands() {
  return {{"version", "versions of ren and its libraries; CUDA/NCCL availability", [](CLI::App& sub) -> Action {
             auto json = std::make_shared<bool>(false);
             sub.add_flag("--json", *json, "print as JSON");
             return [json] {
               const auto v = dependencyVersions();
               if (*json) {
                 std::cout << v.dump(2) << "\n";
                 return 0;
               }
               std::cout << "ren " << v["ren"].get<std::string>() << "\n";
               for (const char* key : {"libtorch", "xgboost", "hdf5", "itk", "mpi", "tomlplusplus", "spdlog", "cli11", "zlib"})
                 std::cout << "  " << key << std::string(14 - std::string(key).size(), ' ') << v[key].get<std::string>() << "\n";
               const auto& cuda = v["cuda"];
               std::cout << "  cuda          " << (cuda["built"].get<bool>() ? "built" : "not built") << ", "
                         << (cuda["available"].get<bool>() ? std::to_string(cuda["devices"].get<int>()) + " device(s)"
                                                           : "no device available")
                         << "\n";
               std::cout << "  nccl          " << (v["nccl"]["built"].get<bool>() ? "built" : "not built") << "\n";
               return 0;
             };
           }}};
}

}  // namespace ren::cli
