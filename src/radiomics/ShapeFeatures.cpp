// PyRadiomics `shape` (radiomics/shape.py, radiomics/src/cshape.c): 14 3D shape descriptors of the
// label mask (the kInLabel bit: the mask before resegmentation, as PyRadiomics computes shape on the
// mask alone).
//
//  - MeshVolume, SurfaceArea: marching-cubes mesh with vertices at edge midpoints (SurfaceMesh.h).
//  - VoxelVolume: voxel count x voxel volume.
//  - SurfaceVolumeRatio = A / V; Sphericity = (36 pi V^2)^(1/3) / A.
//  - Maximum3DDiameter and the 2D diameters over the mesh vertices (MeshDiameters.h): Slice = vertices
//    with equal z (k), Column = equal y (j), Row = equal x (i). In cshape.c the vertex coordinates are
//    (z, y, x) and diameters[0..2] compare coordinates 0, 1, 2 in turn, which shape.py returns as Slice,
//    Column, Row.
//  - Major/Minor/LeastAxisLength = 4 sqrt(lambda) of the eigenvalues of the covariance (population, 1/N)
//    of the physical voxel-centre coordinates; Elongation = sqrt(minor / major), Flatness =
//    sqrt(least / major). As PyRadiomics: eigenvalues in (-1e-10, 0) are rounded to 0, a remaining
//    negative eigenvalue gives NaN, and 0 / 0 (a one-voxel ROI) gives NaN.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "MeshDiameters.h"
#include "SurfaceMesh.h"
#include "ren/radiomics/FeatureClass.h"

namespace ren::radiomics {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr std::int64_t kPyRadiomicsPadDistance = 5;  // featureextractor default padDistance
__extension__ typedef __int128 Int128;  // exact N * sum(ab) - sum(a) * sum(b)

/// Eigenvalues of a symmetric 3x3 matrix (cyclic Jacobi rotations), ascending.
std::array<double, 3> symmetricEigenvalues(std::array<std::array<double, 3>, 3> a) {
  for (int sweep = 0; sweep < 50; ++sweep) {
    const double off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
    const double diag = a[0][0] * a[0][0] + a[1][1] * a[1][1] + a[2][2] * a[2][2];
    if (off == 0.0 || off <= 1e-40 * diag) break;
    for (int p = 0; p < 2; ++p)
      for (int q = p + 1; q < 3; ++q) {
        if (a[p][q] == 0.0) continue;
        const double theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        // A' = J^T A J with the rotation in the (p, q) plane.
        for (int k = 0; k < 3; ++k) {
          const double akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < 3; ++k) {
          const double apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        a[p][q] = a[q][p] = 0.0;
      }
  }
  std::array<double, 3> ev{a[0][0], a[1][1], a[2][2]};
  std::sort(ev.begin(), ev.end());
  return ev;
}

std::vector<double> computeShape(const FeatureInput& in) {
  const Roi& roi = in.roi;
  const auto& sp = roi.spacing;
  const mesh::MaskRows rows = mesh::maskRows(roi.mask, kInLabel, roi.size);
  // Apex of the volume tetrahedra: index (0, 0, 0) of PyRadiomics' shape mask, i.e. the label bounding
  // box less the extractor's padDistance (5, clipped at the image's first voxel) less shape's own
  // one-voxel padding. It matters only through the gaps of the mesh at ambiguous faces.
  std::array<std::int64_t, 3> origin{};
  for (int a = 0; a < 3; ++a) {
    const std::int64_t labelStart = roi.boxStart[a] + roi.pad;  // image index of the first label voxel
    origin[a] = std::max<std::int64_t>(labelStart - kPyRadiomicsPadDistance, 0) - 1 - roi.boxStart[a];
  }
  const mesh::MeshMeasures m = mesh::meshMeasures(roi.mask, kInLabel, rows, sp, origin);
  const mesh::Diameters d = mesh::meshDiameters(roi.mask, kInLabel, rows, sp);

  // Exact integer moments of the label voxel indices (x, y, z).
  std::int64_t n = 0;
  std::array<std::int64_t, 3> s{0, 0, 0};
  std::array<std::array<std::int64_t, 3>, 3> ss{};
  for (std::int64_t k = 0; k < roi.size[2]; ++k)
    for (std::int64_t j = 0; j < roi.size[1]; ++j) {
      const std::int64_t r = rows.row(j, k);
      const std::int32_t first = rows.first[static_cast<std::size_t>(r)];
      if (first < 0) continue;
      const std::uint8_t* row = roi.mask.data() + static_cast<std::size_t>(r * roi.size[0]);
      std::int64_t cnt = 0, si = 0, sii = 0;
      for (std::int64_t i = first; i <= rows.last[static_cast<std::size_t>(r)]; ++i) {
        const std::int64_t in = (row[i] & kInLabel) ? 1 : 0;
        cnt += in, si += in * i, sii += in * i * i;
      }
      n += cnt;
      s[0] += si, s[1] += j * cnt, s[2] += k * cnt;
      ss[0][0] += sii, ss[1][1] += j * j * cnt, ss[2][2] += k * k * cnt;
      ss[0][1] += j * si, ss[0][2] += k * si, ss[1][2] += j * k * cnt;
    }
  std::array<std::array<double, 3>, 3> cov{};
  const double n2 = static_cast<double>(n) * static_cast<double>(n);
  for (int a = 0; a < 3; ++a)
    for (int b = a; b < 3; ++b) {
      const Int128 num = static_cast<Int128>(n) * ss[a][b] - static_cast<Int128>(s[a]) * s[b];
      cov[a][b] = cov[b][a] = static_cast<double>(num) / n2 * sp[a] * sp[b];
    }
  std::array<double, 3> ev = symmetricEigenvalues(cov);
  for (double& e : ev)
    if (e < 0 && e > -1e-10) e = 0.0;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto axis = [&](double e) { return e < 0 ? nan : 4.0 * std::sqrt(e); };
  const auto ratio = [&](double num, double den) { return (num < 0 || den < 0) ? nan : std::sqrt(num / den); };

  const double voxelVolume = sp[0] * sp[1] * sp[2];
  const double V = m.volume, A = m.surfaceArea;
  return {
      V,                                                    // MeshVolume
      static_cast<double>(n) * voxelVolume,                 // VoxelVolume
      A,                                                    // SurfaceArea
      A / V,                                                // SurfaceVolumeRatio
      std::pow(36.0 * kPi * V * V, 1.0 / 3.0) / A,         // Sphericity
      d.max3d,                                              // Maximum3DDiameter
      d.slice,                                              // Maximum2DDiameterSlice
      d.column,                                             // Maximum2DDiameterColumn
      d.row,                                                // Maximum2DDiameterRow
      axis(ev[2]),                                          // MajorAxisLength
      axis(ev[1]),                                          // MinorAxisLength
      axis(ev[0]),                                          // LeastAxisLength
      ratio(ev[1], ev[2]),                                  // Elongation
      ratio(ev[0], ev[2]),                                  // Flatness
  };
}

}  // namespace

FeatureClass shapeFeatures() {
  return FeatureClass{"shape",
                      {"MeshVolume", "VoxelVolume", "SurfaceArea", "SurfaceVolumeRatio", "Sphericity",
                       "Maximum3DDiameter", "Maximum2DDiameterSlice", "Maximum2DDiameterColumn",
                       "Maximum2DDiameterRow", "MajorAxisLength", "MinorAxisLength", "LeastAxisLength",
                       "Elongation", "Flatness"},
                      computeShape};
}

}  // namespace ren::radiomics
