#include "ren/radiomics/Roi.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "ren/core/Error.h"

namespace ren::radiomics {
namespace {

IndexBox wholeVolume(const io::VolumeGeometry& g) { return {{0, 0, 0}, {g.size[0] - 1, g.size[1] - 1, g.size[2] - 1}}; }

template <class Label, class Selected>
Roi crop(const io::Volume<float>& image, const io::Volume<Label>& labels, const Selected& selected,
         const RadiomicsSettings& settings, const IndexBox& within) {
  const auto& g = image.geometry;
  if (labels.geometry.size != g.size || labels.voxels.size() != image.voxels.size())
    throw InputError("radiomics: the mask (" + std::to_string(labels.geometry.size[0]) + "x" +
                     std::to_string(labels.geometry.size[1]) + "x" + std::to_string(labels.geometry.size[2]) +
                     ") does not have the image's size (" + std::to_string(g.size[0]) + "x" +
                     std::to_string(g.size[1]) + "x" + std::to_string(g.size[2]) + ")");
  Roi roi;
  roi.spacing = g.spacing;
  // Bounding box of the label voxels, searched within `within` (clipped to the volume).
  IndexBox search = within;
  for (int a = 0; a < 3; ++a) search.lo[a] = std::max<std::int64_t>(search.lo[a], 0), search.hi[a] = std::min(search.hi[a], g.size[a] - 1);
  std::array<std::int64_t, 3> lo{g.size[0], g.size[1], g.size[2]}, hi{-1, -1, -1};
  if (search.empty()) return roi;
  for (std::int64_t k = search.lo[2]; k <= search.hi[2]; ++k)
    for (std::int64_t j = search.lo[1]; j <= search.hi[1]; ++j) {
      const Label* row = labels.voxels.data() + g.index(0, j, k);
      std::int64_t first = -1, last = -1;
      for (std::int64_t i = search.lo[0]; i <= search.hi[0]; ++i)
        if (selected(row[i])) {
          if (first < 0) first = i;
          last = i;
        }
      if (first < 0) continue;
      lo[0] = std::min(lo[0], first), hi[0] = std::max(hi[0], last);
      lo[1] = std::min(lo[1], j), hi[1] = std::max(hi[1], j);
      lo[2] = std::min(lo[2], k), hi[2] = std::max(hi[2], k);
    }
  if (hi[0] < 0) return roi;  // empty selection

  int maxDistance = 1;
  for (int d : settings.distances) maxDistance = std::max(maxDistance, d);
  roi.pad = maxDistance;
  for (int a = 0; a < 3; ++a) {
    roi.boxStart[a] = lo[a] - roi.pad;
    roi.size[a] = hi[a] - lo[a] + 1 + 2 * roi.pad;
  }
  roi.mask.assign(static_cast<std::size_t>(roi.size[0] * roi.size[1] * roi.size[2]), 0);
  const bool reseg = settings.resegmentRange.has_value();
  const double rlo = reseg ? settings.resegmentRange->first : 0.0;
  const double rhi = reseg ? settings.resegmentRange->second : 0.0;
  roi.roiLo = {roi.size[0], roi.size[1], roi.size[2]};
  roi.roiHi = {-1, -1, -1};
  for (std::int64_t k = lo[2]; k <= hi[2]; ++k)
    for (std::int64_t j = lo[1]; j <= hi[1]; ++j) {
      const std::size_t src = g.index(lo[0], j, k);
      const std::size_t dst = roi.index(roi.pad, j - roi.boxStart[1], k - roi.boxStart[2]);
      const Label* lab = labels.voxels.data() + src;
      const float* val = image.voxels.data() + src;
      std::uint8_t* m = roi.mask.data() + dst;
      for (std::int64_t i = 0; i <= hi[0] - lo[0]; ++i) {
        if (!selected(lab[i])) continue;
        const float v = val[i];
        if (!std::isfinite(v))
          throw InputError("radiomics: the image has a non-finite value (" + std::to_string(v) + ") at voxel (" +
                           std::to_string(lo[0] + i) + ", " + std::to_string(j) + ", " + std::to_string(k) +
                           ") inside the ROI");
        std::uint8_t bits = kInLabel;
        ++roi.labelVoxelCount;
        if (!reseg || (v >= rlo && v <= rhi)) {
          bits |= kInRoi;
          roi.values.push_back(v);
          const std::array<std::int64_t, 3> b{roi.pad + i, j - roi.boxStart[1], k - roi.boxStart[2]};
          for (int a = 0; a < 3; ++a) roi.roiLo[a] = std::min(roi.roiLo[a], b[a]), roi.roiHi[a] = std::max(roi.roiHi[a], b[a]);
        }
        m[i] = bits;
      }
    }
  roi.voxelCount = static_cast<std::int64_t>(roi.values.size());
  if (roi.voxelCount == 0) roi.roiLo = {0, 0, 0}, roi.roiHi = {-1, -1, -1};
  return roi;
}

}  // namespace

IndexBox IndexBox::united(const IndexBox& other) const {
  if (empty()) return other;
  if (other.empty()) return *this;
  IndexBox u;
  for (int a = 0; a < 3; ++a) u.lo[a] = std::min(lo[a], other.lo[a]), u.hi[a] = std::max(hi[a], other.hi[a]);
  return u;
}

LabelBoxes labelBoxes(const io::Volume<std::uint8_t>& labels) {
  LabelBoxes out;
  auto& boxes = out.box;
  for (auto& b : boxes) b.lo = {labels.geometry.size[0], labels.geometry.size[1], labels.geometry.size[2]};
  const auto& n = labels.geometry.size;
  for (std::int64_t k = 0; k < n[2]; ++k)
    for (std::int64_t j = 0; j < n[1]; ++j) {
      const std::uint8_t* row = labels.voxels.data() + labels.geometry.index(0, j, k);
      for (std::int64_t i = 0; i < n[0]; ++i) {
        ++out.count[row[i]];
        if (row[i] == 0) continue;  // background: no box to grow (most of a CT)
        IndexBox& b = boxes[row[i]];
        b.lo[0] = std::min(b.lo[0], i), b.hi[0] = std::max(b.hi[0], i);
        b.lo[1] = std::min(b.lo[1], j), b.hi[1] = std::max(b.hi[1], j);
        b.lo[2] = std::min(b.lo[2], k), b.hi[2] = std::max(b.hi[2], k);
      }
    }
  // Background (0) is everywhere it is not a label: its search box is the whole volume.
  boxes[0] = wholeVolume(labels.geometry);
  return out;
}

Roi cropRoi(const io::Volume<float>& image, const io::Volume<std::uint8_t>& labels, const std::array<bool, 256>& selected,
            const RadiomicsSettings& settings) {
  return crop(image, labels, [&selected](std::uint8_t v) { return selected[v]; }, settings, wholeVolume(image.geometry));
}

Roi cropRoi(const io::Volume<float>& image, const io::Volume<std::uint8_t>& labels, const std::array<bool, 256>& selected,
            const RadiomicsSettings& settings, const IndexBox& within) {
  return crop(image, labels, [&selected](std::uint8_t v) { return selected[v]; }, settings, within);
}

Roi cropRoi(const io::Volume<float>& image, const io::Volume<std::int32_t>& labels, std::int32_t label,
            const RadiomicsSettings& settings) {
  return crop(image, labels, [label](std::int32_t v) { return v == label; }, settings, wholeVolume(image.geometry));
}

}  // namespace ren::radiomics
