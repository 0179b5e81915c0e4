#pragma once
// Tensors the trainer feeds to the experts, made from scans read from the HDF5 shards
// (ren::preprocess::ShardDataset). Layout [channel=1][z][y][x] (NCDHW without the batch), float32.
#include <ATen/ATen.h>

#include <vector>

#include "ren/core/Regions.h"
#include "ren/preprocess/PreprocessedScan.h"

namespace ren::train {

/// The windowed model-grid image, shape [1, grid2, grid1, grid0].
at::Tensor imageTensor(const preprocess::PreprocessedScan& scan);
/// 1 inside `region`, 0 outside, same shape.
at::Tensor regionMaskTensor(const preprocess::PreprocessedScan& scan, const Region& region);
/// Expert input for `region` (METHOD.md section 2 step 5): image x region mask, same shape.
at::Tensor maskedImageTensor(const preprocess::PreprocessedScan& scan, const Region& region);

}  // namespace ren::train
