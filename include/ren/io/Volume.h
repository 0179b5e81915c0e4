#pragma once
// A 3D image on a regular grid in RAS+ world coordinates (the NIfTI convention): world x grows
// towards the patient's Right, y towards Anterior, z towards Superior (ITK and DICOM use LPS+, whose
// x and y are the negatives of these). World position of voxel (i, j, k):
//     p = origin + D * diag(spacing) * (i, j, k)^T
// where the columns of the 3x3 direction matrix D (row-major in `direction`) are the unit world
// directions of the voxel axes. Voxels are stored x fastest, then y, then z.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ren::io {

struct VolumeGeometry {
  std::array<std::int64_t, 3> size{0, 0, 0};
  std::array<double, 3> spacing{1.0, 1.0, 1.0};  // mm
  std::array<double, 3> origin{0.0, 0.0, 0.0};   // RAS+ world mm of voxel (0,0,0)
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};  // row-major, columns = axis directions

  std::size_t voxelCount() const {
    return static_cast<std::size_t>(size[0]) * static_cast<std::size_t>(size[1]) * static_cast<std::size_t>(size[2]);
  }
  std::size_t index(std::int64_t i, std::int64_t j, std::int64_t k) const {
    return static_cast<std::size_t>(i + size[0] * (j + size[1] * k));
  }
  /// World (RAS+, mm) position of a (possibly fractional) voxel index.
  std::array<double, 3> worldOf(double i, double j, double k) const {
    const double si = i * spacing[0], sj = j * spacing[1], sk = k * spacing[2];
    return {origin[0] + direction[0] * si + direction[1] * sj + direction[2] * sk,
            origin[1] + direction[3] * si + direction[4] * sj + direction[5] * sk,
            origin[2] + direction[6] * si + direction[7] * sj + direction[8] * sk};
  }
};

template <class T>
struct Volume {
  VolumeGeometry geometry;
  std::vector<T> voxels;  // x fastest

  Volume() = default;
  explicit Volume(const VolumeGeometry& g, T fill = T{}) : geometry(g), voxels(g.voxelCount(), fill) {}
  T& at(std::int64_t i, std::int64_t j, std::int64_t k) { return voxels[geometry.index(i, j, k)]; }
  const T& at(std::int64_t i, std::int64_t j, std::int64_t k) const { return voxels[geometry.index(i, j, k)]; }
};

}  // namespace ren::io
