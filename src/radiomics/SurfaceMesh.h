#pragma once
// Marching-cubes surface of a binary mask as PyRadiomics builds it for the shape features
// (radiomics/src/cshape.c): vertices at the midpoints of the cube edges joining a mask voxel and a
// non-mask voxel, triangles oriented outwards, MeshVolume = sum of signed tetrahedra (triangle, origin),
// SurfaceArea = sum of triangle areas. Internal to ren_radiomics.
//
// The case table is generated here (not copied): the surface of each of the 256 cube configurations is
// found by walking the cube faces, with PyRadiomics' ambiguity rule (on a face with two diagonal mask
// corners, the corners whose state differs from that of corner (x0, y1, z1), PyRadiomics' corner 7, are
// the ones cut off), and the few non-planar loops are triangulated from a handful of base cases carried
// to every configuration by the 24 cube rotations. Per configuration, the area, the local signed volume
// and the area vector are tabulated once per spacing, so the whole surface costs one pass over the cubes
// that touch the mask (counts and index sums per configuration).
#include <array>
#include <cstdint>
#include <vector>

namespace ren::radiomics::mesh {

/// Extent of the mask voxels of each box row (j, k): first/last i, first = -1 when the row is empty.
struct MaskRows {
  std::array<std::int64_t, 3> size{0, 0, 0};
  std::vector<std::int32_t> first, last;  ///< index j + size[1] * k
  std::int64_t row(std::int64_t j, std::int64_t k) const { return j + size[1] * k; }
};

/// Rows of the voxels with `bit` set in `mask` (box-sized, x fastest). The box's border voxels must not
/// have the bit (the ROI box is padded).
MaskRows maskRows(const std::vector<std::uint8_t>& mask, std::uint8_t bit, const std::array<std::int64_t, 3>& size);

struct MeshMeasures {
  double surfaceArea = 0.0;  ///< mm^2
  double volume = 0.0;       ///< mm^3 (signed tetrahedra of the outward mesh)
};

/// Area and volume of the marching-cubes mesh of the voxels with `bit` set. The signed tetrahedra have
/// their apex at box index `origin`. The mesh is closed except where the two cubes sharing an
/// ambiguous face resolve it differently (PyRadiomics' table has the same gaps), so the volume depends
/// slightly on the origin; PyRadiomics' origin is index (0, 0, 0) of its padded, cropped mask.
MeshMeasures meshMeasures(const std::vector<std::uint8_t>& mask, std::uint8_t bit, const MaskRows& rows,
                          const std::array<double, 3>& spacing, const std::array<std::int64_t, 3>& origin);

/// The generated case table, for tests: triangles of a cube configuration (bit b = corner
/// (b & 1, b >> 1 & 1, b >> 2 & 1) in the mask) as triples of edge indices, oriented outwards, and the
/// position of an edge's midpoint in half-voxel units relative to corner 0.
const std::vector<std::array<std::uint8_t, 3>>& cubeTriangles(int configuration);
std::array<int, 3> edgeMidpoint2(int edge);

}  // namespace ren::radiomics::mesh
