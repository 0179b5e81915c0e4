#include "DependencyVersions.h"

#include <H5public.h>
#include <itkVersion.h>
#include <mpi.h>
#include <spdlog/version.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <xgboost/c_api.h>
#include <zlib.h>

#include <CLI/Version.hpp>
#include <string>

#include "ren/core/ConfigSchema.h"

#ifndef REN_VERSION
#define REN_VERSION "unknown"
#endif

namespace ren::cli {

namespace {
std::string mpiLibrary() {
  char buf[MPI_MAX_LIBRARY_VERSION_STRING] = {0};
  int len = 0;
  MPI_Get_library_version(buf, &len);  // allowed before MPI_Init
  std::string s(buf, static_cast<std::size_t>(len));
  const auto nl = s.find_first_of("\r\n,");
  return nl == std::string::npos ? s : s.substr(0, nl);
}
}  // namespace

nlohmann::json dependencyVersions() {
  int xm = 0, xn = 0, xp = 0;
  XGBoostVersion(&xm, &xn, &xp);
  unsigned hm = 0, hn = 0, hr = 0;
  H5get_libversion(&hm, &hn, &hr);
  int mpiVersion = 0, mpiSubversion = 0;
  MPI_Get_version(&mpiVersion, &mpiSubversion);
  const bool cudaAvailable = torch::cuda::is_available();
#ifdef REN_HAVE_CUDA
  const bool cudaBuilt = true;
#else
  const bool cudaBuilt = false;
#endif
#ifdef REN_HAVE_NCCL
  const bool ncclBuilt = true;
#else
  const bool ncclBuilt = false;
#endif
  return {
      {"ren", REN_VERSION},
      {"libtorch", TORCH_VERSION},
      {"xgboost", std::to_string(xm) + "." + std::to_string(xn) + "." + std::to_string(xp)},
      {"hdf5", std::to_string(hm) + "." + std::to_string(hn) + "." + std::to_string(hr)},
      {"itk", itk::Version::GetITKVersion()},
      {"mpi", mpiLibrary() + " (MPI " + std::to_string(mpiVersion) + "." + std::to_string(mpiSubversion) + ")"},
      {"tomlplusplus", tomlLibraryVersion()},
      {"spdlog", std::to_string(SPDLOG_VER_MAJOR) + "." + std::to_string(SPDLOG_VER_MINOR) + "." +
                     std::to_string(SPDLOG_VER_PATCH)},
      {"cli11", CLI11_VERSION},
      {"zlib", ZLIB_VERSION},
      {"cuda", {{"built", cudaBuilt}, {"available", cudaAvailable}, {"devices", cudaAvailable ? torch::cuda::device_count() : 0}}},
      {"nccl", {{"built", ncclBuilt}}},
  };
}

}  // namespace ren::cli
