#pragma once
// A region of interest cut out of an image: the bounding box of the ROI padded on every side, the
// ROI membership of each box voxel and the intensities of the ROI voxels. Everything is sized by the
// ROI's bounding box, never by the image, so a whole lung of a 1 mm CT (a few million voxels) fits.
//
// Voxel axes are the image's buffer axes, x fastest (PyRadiomics' numpy arrays are (z, y, x)). The
// three 2D diameters of the shape class follow PyRadiomics' cshape.c, checked on the brain1 baseline:
// Maximum2DDiameterSlice is the plane of constant k (z), Column the plane of constant j (y), Row the
// plane of constant i (x).
#include <array>
#include <cstdint>
#include <vector>

#include "ren/io/Volume.h"
#include "ren/radiomics/RadiomicsSettings.h"

namespace ren::radiomics {

/// Bits of Roi::mask.
constexpr std::uint8_t kInRoi = 1;    ///< in the ROI used by intensity and texture features
                                      ///< (label mask after resegmentation)
constexpr std::uint8_t kInLabel = 2;  ///< in the label mask before resegmentation (shape features)

struct Roi {
  std::array<std::int64_t, 3> size{0, 0, 0};   ///< padded box, x fastest
  std::int64_t pad = 1;                        ///< padding voxels on each side (outside the ROI)
  std::array<std::int64_t, 3> boxStart{0, 0, 0};  ///< image index of box voxel (0,0,0) (may be < 0)
  std::array<double, 3> spacing{1.0, 1.0, 1.0};   ///< mm
  std::vector<std::uint8_t> mask;              ///< box-sized, kInRoi | kInLabel bits
  std::vector<float> values;                   ///< intensity of each kInRoi voxel, in box order
  std::int64_t voxelCount = 0;                 ///< kInRoi voxels (= values.size())
  std::int64_t labelVoxelCount = 0;            ///< kInLabel voxels
  /// Bounding box of the kInRoi voxels, in box indices: [lo, hi] inclusive per axis (empty ROI: lo > hi).
  std::array<std::int64_t, 3> roiLo{0, 0, 0}, roiHi{-1, -1, -1};

  std::size_t index(std::int64_t i, std::int64_t j, std::int64_t k) const {
    return static_cast<std::size_t>(i + size[0] * (j + size[1] * k));
  }
  /// Extent (voxels) of the kInRoi bounding box along each axis (0 when empty).
  std::array<std::int64_t, 3> roiExtent() const {
    return {roiHi[0] - roiLo[0] + 1 > 0 ? roiHi[0] - roiLo[0] + 1 : 0, roiHi[1] - roiLo[1] + 1 > 0 ? roiHi[1] - roiLo[1] + 1 : 0,
            roiHi[2] - roiLo[2] + 1 > 0 ? roiHi[2] - roiLo[2] + 1 : 0};
  }
};

/// An inclusive index box [lo, hi] per axis of a volume (empty when lo > hi on any axis).
struct IndexBox {
  std::array<std::int64_t, 3> lo{0, 0, 0};
  std::array<std::int64_t, 3> hi{-1, -1, -1};
  bool empty() const { return lo[0] > hi[0] || lo[1] > hi[1] || lo[2] > hi[2]; }
  /// The smallest box holding both.
  IndexBox united(const IndexBox& other) const;
};

/// The bounding box and voxel count of every label value of a label map, from one pass over it
/// (an empty box and count 0 for the values that do not occur; label 0 gets the whole volume). Lets
/// the 7 regions of a scan be ordered and cropped without a pass over the image per region.
struct LabelBoxes {
  std::array<IndexBox, 256> box;
  std::array<std::int64_t, 256> count{};
};
LabelBoxes labelBoxes(const io::Volume<std::uint8_t>& labels);

/// Cuts the ROI {voxels whose label is selected[label]} out of `image`. `labels` must have the
/// image's size. The box is the label bounding box padded by max(1, max distance) voxels (padding
/// beyond the image border is outside the ROI). The resegmentation range of `settings` (if any) is
/// applied to kInRoi. NaN/inf intensities inside the ROI throw InputError. An empty selection gives
/// an empty Roi (voxelCount 0, size 0).
Roi cropRoi(const io::Volume<float>& image, const io::Volume<std::uint8_t>& labels,
            const std::array<bool, 256>& selected, const RadiomicsSettings& settings);
/// The same, searching only `within` (which must hold every selected voxel, e.g. the union of the
/// selected labels' labelBoxes()).
Roi cropRoi(const io::Volume<float>& image, const io::Volume<std::uint8_t>& labels,
            const std::array<bool, 256>& selected, const RadiomicsSettings& settings, const IndexBox& within);

/// Same for a 32-bit label map and one label value (single-case mode: the mask of --label).
Roi cropRoi(const io::Volume<float>& image, const io::Volume<std::int32_t>& labels, std::int32_t label,
            const RadiomicsSettings& settings);

}  // namespace ren::radiomics
