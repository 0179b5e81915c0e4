#pragma once
// Maximum diameters of the marching-cubes mesh vertices (PyRadiomics cshape.c calculate_meshDiameter):
// the vertices are the midpoints of the edges joining a mask voxel to a non-mask voxel. Max3D is the
// largest distance between any two vertices; Slice/Column/Row the largest distance between two vertices
// with the same z / y / x coordinate. Internal to ren_radiomics.
//
// Exact, without the O(V^2) pair loop: one pass over the box records, for every line of vertices, its
// two end points (only they can be convex hull vertices of a plane). Each plane then reduces to a
// monotone-chain hull of at most two points per line, whose farthest pair is found by rotating
// calipers (antipodal pairs are affine invariant, so the integer grid gives those of the physical
// metric). The 3D diameter is attained between 3D hull vertices, which are hull vertices of their z
// plane; these candidates go to a k-d tree and a dual-tree branch and bound (box-to-box distance bound,
// lower bound from extreme points along 13 directions).
// Distances are computed as in a brute force over the vertices (doubled integer coordinates, one
// product by the half spacing per axis), so the results equal the brute force bit for bit.
#include <array>
#include <cstdint>
#include <vector>

#include "SurfaceMesh.h"

namespace ren::radiomics::mesh {

struct Diameters {
  double max3d = 0.0;   ///< Maximum3DDiameter
  double slice = 0.0;   ///< Maximum2DDiameterSlice (equal z)
  double column = 0.0;  ///< Maximum2DDiameterColumn (equal y)
  double row = 0.0;     ///< Maximum2DDiameterRow (equal x)
};

Diameters meshDiameters(const std::vector<std::uint8_t>& mask, std::uint8_t bit, const MaskRows& rows,
                        const std::array<double, 3>& spacing);

/// Squared distance between two vertices given in doubled voxel coordinates (x, y, z), as used above.
inline double vertexDistance2(const std::array<std::int32_t, 3>& a, const std::array<std::int32_t, 3>& b,
                              const std::array<double, 3>& halfSpacing) {
  const double dx = static_cast<double>(a[0] - b[0]) * halfSpacing[0];
  const double dy = static_cast<double>(a[1] - b[1]) * halfSpacing[1];
  const double dz = static_cast<double>(a[2] - b[2]) * halfSpacing[2];
  return dx * dx + dy * dy + dz * dz;
}

}  // namespace ren::radiomics::mesh
