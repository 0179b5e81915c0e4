#include "ren/train/ScanTensors.h"

#include "ren/core/Error.h"
#include "ren/preprocess/ShardDataset.h"

namespace ren::train {

namespace {
at::Tensor gridTensor(const preprocess::PreprocessedScan& scan, const std::vector<float>& values) {
  const auto& g = scan.grid;
  if (values.size() != static_cast<std::size_t>(g[0] * g[1] * g[2]))
    throw InputError("scan " + scan.scanId + ": model-grid data has " + std::to_string(values.size()) +
                     " voxels, expected " + std::to_string(g[0] * g[1] * g[2]));
  // Our vectors are x fastest, i.e. C order [z][y][x]: the bytes map directly.
  return at::from_blob(const_cast<float*>(values.data()), {1, g[2], g[1], g[0]}, at::kFloat).clone();
}
}  // namespace

at::Tensor imageTensor(const preprocess::PreprocessedScan& scan) { return gridTensor(scan, scan.image); }

at::Tensor regionMaskTensor(const preprocess::PreprocessedScan& scan, const Region& region) {
  return gridTensor(scan, preprocess::regionMask(scan, region));
}

at::Tensor maskedImageTensor(const preprocess::PreprocessedScan& scan, const Region& region) {
  return gridTensor(scan, preprocess::maskedImage(scan, region));
}

}  // namespace ren::train
