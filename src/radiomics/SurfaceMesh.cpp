#include "SurfaceMesh.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <stdexcept>

namespace ren::radiomics::mesh {
namespace {

// ---------------------------------------------------------------------------------------------------
// Cube geometry. Corner b sits at (b & 1, b >> 1 & 1, b >> 2 & 1) = (dx, dy, dz). Edges are numbered by
// axis: 0-3 along x (from corners 0, 2, 4, 6), 4-7 along y (from 0, 1, 4, 5), 8-11 along z (from 0..3).

using Vec3i = std::array<int, 3>;

constexpr int kReferenceCorner = 6;  // (x0, y1, z1): PyRadiomics' corner 7 of gridAngles (z1, y1, x0)

Vec3i cornerPos(int b) { return {b & 1, (b >> 1) & 1, (b >> 2) & 1}; }

struct Edge {
  int a, b, axis;
};

std::array<Edge, 12> makeEdges() {
  std::array<Edge, 12> e{};
  int n = 0;
  for (int axis = 0; axis < 3; ++axis)
    for (int b = 0; b < 8; ++b)
      if (!(b & (1 << axis))) e[static_cast<std::size_t>(n++)] = {b, b | (1 << axis), axis};
  return e;
}
const std::array<Edge, 12> kEdges = makeEdges();

int edgeBetween(int a, int b) {
  for (int e = 0; e < 12; ++e)
    if ((kEdges[e].a == a && kEdges[e].b == b) || (kEdges[e].a == b && kEdges[e].b == a)) return e;
  throw std::logic_error("marching cubes: corners are not adjacent");
}

Vec3i midpoint2(int e) {
  Vec3i p = cornerPos(kEdges[static_cast<std::size_t>(e)].a);
  for (int& c : p) c *= 2;
  ++p[static_cast<std::size_t>(kEdges[static_cast<std::size_t>(e)].axis)];
  return p;
}

Vec3i sub(const Vec3i& a, const Vec3i& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Vec3i cross(const Vec3i& a, const Vec3i& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
int dot(const Vec3i& a, const Vec3i& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

/// The 6 faces, each as its 4 corners in cyclic order.
std::array<std::array<int, 4>, 6> makeFaces() {
  std::array<std::array<int, 4>, 6> faces{};
  int n = 0;
  for (int axis = 0; axis < 3; ++axis)
    for (int v = 0; v < 2; ++v) {
      const int u = (axis + 1) % 3, w = (axis + 2) % 3;
      const int cyc[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
      for (int k = 0; k < 4; ++k)
        faces[static_cast<std::size_t>(n)][static_cast<std::size_t>(k)] = (v << axis) | (cyc[k][0] << u) | (cyc[k][1] << w);
      ++n;
    }
  return faces;
}

/// The 24 rotations of the cube as corner permutations (closure of two quarter turns).
std::vector<std::array<int, 8>> makeRotations() {
  const auto turn = [](int axis) {
    std::array<int, 8> p{};
    for (int b = 0; b < 8; ++b) {
      Vec3i c = cornerPos(b);
      const int u = (axis + 1) % 3, w = (axis + 2) % 3;
      const int cu = c[static_cast<std::size_t>(u)], cw = c[static_cast<std::size_t>(w)];
      c[static_cast<std::size_t>(u)] = 1 - cw, c[static_cast<std::size_t>(w)] = cu;
      p[static_cast<std::size_t>(b)] = c[0] | (c[1] << 1) | (c[2] << 2);
    }
    return p;
  };
  const std::array<std::array<int, 8>, 2> gens{turn(0), turn(2)};
  std::set<std::array<int, 8>> all;
  std::vector<std::array<int, 8>> frontier{{0, 1, 2, 3, 4, 5, 6, 7}};
  all.insert(frontier[0]);
  while (!frontier.empty()) {
    std::vector<std::array<int, 8>> next;
    for (const auto& p : frontier)
      for (const auto& g : gens) {
        std::array<int, 8> q{};
        for (int b = 0; b < 8; ++b) q[static_cast<std::size_t>(b)] = g[static_cast<std::size_t>(p[static_cast<std::size_t>(b)])];
        if (all.insert(q).second) next.push_back(q);
      }
    frontier.swap(next);
  }
  if (all.size() != 24) throw std::logic_error("marching cubes: rotation group");
  return {all.begin(), all.end()};
}

int mapCorners(const std::array<int, 8>& p, int set) {
  int out = 0;
  for (int b = 0; b < 8; ++b)
    if (set & (1 << b)) out |= 1 << p[static_cast<std::size_t>(b)];
  return out;
}

/// Base cases whose surface has a non-planar loop (all other loops are triangles or planar convex
/// polygons, whose area and volume do not depend on the triangulation). `marked` = the corners cut off
/// (state differing from the reference corner, which is never marked); triangles as edge triples.
/// These triangulations reproduce PyRadiomics' mesh; every other configuration of the same rotation
/// class gets the rotated triangles.
struct BaseCase {
  int marked;
  std::vector<std::array<int, 3>> triangles;
};
const std::vector<BaseCase>& baseCases() {
  static const std::vector<BaseCase> cases{
      // L of corners 0 (middle), 1, 2 on the face z = 0: pentagon fanned from the z edge of end 2.
      {0b00000111, {{1, 5, 10}, {5, 9, 10}, {8, 9, 10}}},
      // Same L (middle 3, ends 1, 2) with a separate corner 4: pentagon fanned from the z edge of end 1.
      {0b00011110, {{0, 4, 9}, {4, 9, 10}, {9, 10, 11}}},
      // Complement of the L 5, 7 (middle), 6 on z = 1: pentagon fanned from the z edge of end 6.
      {0b00011111, {{2, 6, 10}, {2, 9, 10}, {9, 10, 11}}},
      // Path 4-0-1-3 (one twist): hexagon with a central triangle (edges 1, 6, 9).
      {0b00011011, {{1, 9, 11}, {1, 6, 9}, {1, 4, 6}, {2, 6, 9}}},
      // Path 4-0-2-3 (the other twist): hexagon with a central triangle (edges 2, 5, 10).
      {0b00011101, {{5, 10, 11}, {2, 5, 10}, {0, 2, 5}, {2, 6, 10}}},
      // Complement of corners 1, 6, 7: heptagon fanned from edge 0.
      {0b00111101, {{0, 6, 7}, {0, 7, 9}, {0, 6, 10}, {0, 5, 11}, {0, 10, 11}}},
      // Complement of the face diagonal 5, 6 (joined across the face): hexagon.
      {0b10011111, {{3, 7, 9}, {3, 9, 10}, {2, 6, 9}, {6, 9, 10}}},
  };
  return cases;
}

bool planar(const std::vector<int>& loop) {
  const Vec3i p0 = midpoint2(loop[0]);
  const Vec3i n = cross(sub(midpoint2(loop[1]), p0), sub(midpoint2(loop[2]), p0));
  for (int e : loop)
    if (dot(n, sub(midpoint2(e), p0)) != 0) return false;
  return true;
}

/// Loops of the surface of configuration `c` by face walking.
std::vector<std::vector<int>> surfaceLoops(int c) {
  static const auto faces = makeFaces();
  const auto in = [c](int b) { return (c >> b) & 1; };
  const int ref = in(kReferenceCorner);
  std::array<std::vector<int>, 12> adj;
  for (const auto& f : faces) {
    std::vector<int> crossing;  // face positions k with an edge (f[k], f[k+1]) crossing the surface
    for (int k = 0; k < 4; ++k)
      if (in(f[static_cast<std::size_t>(k)]) != in(f[static_cast<std::size_t>((k + 1) % 4)])) crossing.push_back(k);
    const auto edgeAt = [&](int k) { return edgeBetween(f[static_cast<std::size_t>((k + 4) % 4)], f[static_cast<std::size_t>((k + 5) % 4)]); };
    std::vector<std::pair<int, int>> segments;
    if (crossing.size() == 2) {
      segments.emplace_back(edgeAt(crossing[0]), edgeAt(crossing[1]));
    } else if (crossing.size() == 4) {  // ambiguous face: cut off the corners differing from the reference
      for (int k = 0; k < 4; ++k)
        if (in(f[static_cast<std::size_t>(k)]) != ref) segments.emplace_back(edgeAt(k - 1), edgeAt(k));
    }
    for (const auto& [a, b] : segments) adj[static_cast<std::size_t>(a)].push_back(b), adj[static_cast<std::size_t>(b)].push_back(a);
  }
  std::vector<std::vector<int>> loops;
  std::array<bool, 12> seen{};
  for (int s = 0; s < 12; ++s) {
    if (adj[static_cast<std::size_t>(s)].empty() || seen[static_cast<std::size_t>(s)]) continue;
    if (adj[static_cast<std::size_t>(s)].size() != 2) throw std::logic_error("marching cubes: open loop");
    std::vector<int> loop{s};
    seen[static_cast<std::size_t>(s)] = true;
    int prev = s, x = adj[static_cast<std::size_t>(s)][0];
    while (x != s) {
      loop.push_back(x);
      seen[static_cast<std::size_t>(x)] = true;
      const auto& nb = adj[static_cast<std::size_t>(x)];
      const int next = nb[0] != prev ? nb[0] : nb[1];
      prev = x, x = next;
    }
    loops.push_back(loop);
  }
  return loops;
}

/// Triangles of configuration c, oriented so that normals point from the mask to the outside.
std::vector<std::array<std::uint8_t, 3>> buildCase(int c, const std::vector<std::array<int, 8>>& rotations) {
  std::vector<std::array<std::uint8_t, 3>> out;
  if (c == 0 || c == 255) return out;
  const int ref = (c >> kReferenceCorner) & 1;
  const int marked = ref ? (~c & 0xff) : c;
  for (const auto& loop : surfaceLoops(c)) {
    std::vector<std::array<int, 3>> tris;
    if (loop.size() == 3 || planar(loop)) {
      for (std::size_t i = 1; i + 1 < loop.size(); ++i) tris.push_back({loop[0], loop[i], loop[i + 1]});
    } else {
      for (const auto& base : baseCases()) {
        for (const auto& p : rotations) {
          if (mapCorners(p, base.marked) != marked) continue;
          for (const auto& t : base.triangles) {
            std::array<int, 3> m{};
            bool inLoop = true;
            for (int v = 0; v < 3; ++v) {
              const Edge& e = kEdges[static_cast<std::size_t>(t[static_cast<std::size_t>(v)])];
              m[static_cast<std::size_t>(v)] = edgeBetween(p[static_cast<std::size_t>(e.a)], p[static_cast<std::size_t>(e.b)]);
              inLoop = inLoop && std::find(loop.begin(), loop.end(), m[static_cast<std::size_t>(v)]) != loop.end();
            }
            if (inLoop) tris.push_back(m);
          }
          break;
        }
        if (!tris.empty()) break;
      }
      if (tris.size() != loop.size() - 2) throw std::logic_error("marching cubes: no base case for a loop");
    }
    for (auto t : tris) {
      // Orientation: the normal must point along (outside corner - mask corner) of the crossed edges.
      const Vec3i p0 = midpoint2(t[0]);
      const Vec3i n = cross(sub(midpoint2(t[1]), p0), sub(midpoint2(t[2]), p0));
      int s = 0;
      for (int e : t) {
        const Edge& ed = kEdges[static_cast<std::size_t>(e)];
        s += ((c >> ed.a) & 1) ? n[static_cast<std::size_t>(ed.axis)] : -n[static_cast<std::size_t>(ed.axis)];
      }
      if (s == 0) throw std::logic_error("marching cubes: degenerate orientation");
      if (s < 0) std::swap(t[1], t[2]);
      out.push_back({static_cast<std::uint8_t>(t[0]), static_cast<std::uint8_t>(t[1]), static_cast<std::uint8_t>(t[2])});
    }
  }
  return out;
}

const std::array<std::vector<std::array<std::uint8_t, 3>>, 256>& caseTable() {
  static const auto table = [] {
    std::array<std::vector<std::array<std::uint8_t, 3>>, 256> t;
    const auto rotations = makeRotations();
    for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = buildCase(c, rotations);
    return t;
  }();
  return table;
}

/// Per-configuration geometry at a spacing: area, signed volume with the cube's corner 0 as origin
/// (doubled coordinates scaled by spacing / 2), and twice the area vector.
struct CaseGeometry {
  std::array<double, 256> area{}, volume{};
  std::array<std::array<double, 3>, 256> areaVector2{};
};

CaseGeometry caseGeometry(const std::array<double, 3>& spacing) {
  CaseGeometry g;
  const auto& table = caseTable();
  for (int c = 0; c < 256; ++c) {
    double area = 0, volume = 0;
    std::array<double, 3> n2{0, 0, 0};
    for (const auto& t : table[static_cast<std::size_t>(c)]) {
      std::array<std::array<double, 3>, 3> p{};
      for (int v = 0; v < 3; ++v) {
        const Vec3i q = midpoint2(t[static_cast<std::size_t>(v)]);
        for (int d = 0; d < 3; ++d) p[static_cast<std::size_t>(v)][static_cast<std::size_t>(d)] = q[static_cast<std::size_t>(d)] * 0.5 * spacing[static_cast<std::size_t>(d)];
      }
      const auto crs = [](const std::array<double, 3>& a, const std::array<double, 3>& b) {
        return std::array<double, 3>{a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
      };
      const std::array<double, 3> ab{p[1][0] - p[0][0], p[1][1] - p[0][1], p[1][2] - p[0][2]};
      const std::array<double, 3> ac{p[2][0] - p[0][0], p[2][1] - p[0][1], p[2][2] - p[0][2]};
      const auto n = crs(ab, ac);
      area += 0.5 * std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
      const auto x01 = crs(p[0], p[1]);
      volume += (x01[0] * p[2][0] + x01[1] * p[2][1] + x01[2] * p[2][2]) / 6.0;
      for (int d = 0; d < 3; ++d) n2[static_cast<std::size_t>(d)] += n[static_cast<std::size_t>(d)];
    }
    g.area[static_cast<std::size_t>(c)] = area;
    g.volume[static_cast<std::size_t>(c)] = volume;
    g.areaVector2[static_cast<std::size_t>(c)] = n2;
  }
  return g;
}

inline std::uint64_t load8(const std::uint8_t* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

}  // namespace

MaskRows maskRows(const std::vector<std::uint8_t>& mask, std::uint8_t bit, const std::array<std::int64_t, 3>& size) {
  MaskRows rows;
  rows.size = size;
  const std::size_t nRows = static_cast<std::size_t>(size[1] * size[2]);
  rows.first.assign(nRows, -1);
  rows.last.assign(nRows, -1);
  const std::int64_t nx = size[0];
  std::uint64_t word = 0;
  std::memset(&word, bit, sizeof word);
  for (std::size_t r = 0; r < nRows; ++r) {
    const std::uint8_t* row = mask.data() + r * static_cast<std::size_t>(nx);
    // First: skip 8 bytes at a time while none has the bit.
    std::int64_t i = 0;
    for (; i + 8 <= nx; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, row + i, 8);
      if (w & word) break;
    }
    for (; i < nx && !(row[i] & bit); ++i) {
    }
    if (i >= nx) continue;
    rows.first[r] = static_cast<std::int32_t>(i);
    std::int64_t j = nx;
    for (; j - 8 > i; j -= 8) {
      std::uint64_t w;
      std::memcpy(&w, row + j - 8, 8);
      if (w & word) break;
    }
    while (!(row[j - 1] & bit)) --j;
    rows.last[r] = static_cast<std::int32_t>(j - 1);
  }
  return rows;
}

MeshMeasures meshMeasures(const std::vector<std::uint8_t>& mask, std::uint8_t bit, const MaskRows& rows,
                          const std::array<double, 3>& spacing, const std::array<std::int64_t, 3>& origin) {
  const auto [nx, ny, nz] = rows.size;
  // Per configuration: number of cubes and sum of their corner-0 indices relative to the origin.
  std::array<std::int64_t, 256> count{};
  std::array<std::array<std::int64_t, 3>, 256> indexSum{};
  const std::int64_t cx = origin[0], cy = origin[1], cz = origin[2];
  std::uint64_t bits = 0;  // `bit` in each of 8 bytes
  std::memset(&bits, bit, sizeof bits);
  // 4-bit column code (y0z0, y1z0, y0z1, y1z1) -> corner bits at x = 0 (bits 0, 2, 4, 6).
  std::array<int, 16> spread{};
  for (int code = 0; code < 16; ++code) spread[static_cast<std::size_t>(code)] = (code & 1) | ((code & 2) << 1) | ((code & 4) << 2) | ((code & 8) << 3);

  for (std::int64_t k = 0; k + 1 < nz; ++k)
    for (std::int64_t j = 0; j + 1 < ny; ++j) {
      std::int64_t lo = nx, hi = -1;
      for (const std::int64_t r : {rows.row(j, k), rows.row(j + 1, k), rows.row(j, k + 1), rows.row(j + 1, k + 1)}) {
        const auto f = rows.first[static_cast<std::size_t>(r)];
        if (f < 0) continue;
        lo = std::min<std::int64_t>(lo, f), hi = std::max<std::int64_t>(hi, rows.last[static_cast<std::size_t>(r)]);
      }
      if (hi < 0) continue;
      const std::uint8_t* r00 = mask.data() + static_cast<std::size_t>(nx * rows.row(j, k));
      const std::uint8_t* r10 = mask.data() + static_cast<std::size_t>(nx * rows.row(j + 1, k));
      const std::uint8_t* r01 = mask.data() + static_cast<std::size_t>(nx * rows.row(j, k + 1));
      const std::uint8_t* r11 = mask.data() + static_cast<std::size_t>(nx * rows.row(j + 1, k + 1));
      const auto column = [&](std::int64_t i) {
        return ((r00[i] & bit) ? 1 : 0) | ((r10[i] & bit) ? 2 : 0) | ((r01[i] & bit) ? 4 : 0) | ((r11[i] & bit) ? 8 : 0);
      };
      // Cubes i = lo - 1 .. hi cover every voxel of the four rows (lo >= 1, hi <= nx - 2: padding).
      int left = spread[static_cast<std::size_t>(column(lo - 1))];
      for (std::int64_t i = lo - 1; i <= hi; ++i) {
        // Skip 8 cubes at once when the 4 rows are all inside or all outside over x = i .. i + 8.
        if (i + 9 <= nx) {
          std::uint64_t all = bits, any = 0;
          for (const std::uint8_t* r : {r00, r10, r01, r11}) {
            const std::uint64_t w0 = load8(r + i), w1 = load8(r + i + 1);
            all &= w0 & w1, any |= w0 | w1;
          }
          if (all == bits || (any & bits) == 0) {
            i += 7;  // cubes i .. i + 7 are empty or full; the loop's ++i moves to i + 8
            if (i + 1 <= hi) left = spread[static_cast<std::size_t>(column(i + 1))];
            continue;
          }
        }
        const int right = spread[static_cast<std::size_t>(column(i + 1))];
        const int c = left | (right << 1);
        left = right;
        if (c == 0 || c == 255) continue;
        ++count[static_cast<std::size_t>(c)];
        indexSum[static_cast<std::size_t>(c)][0] += i - cx;
        indexSum[static_cast<std::size_t>(c)][1] += j - cy;
        indexSum[static_cast<std::size_t>(c)][2] += k - cz;
      }
    }

  const CaseGeometry g = caseGeometry(spacing);
  MeshMeasures m;
  double volumeTerms = 0;
  for (int c = 1; c < 255; ++c) {
    const auto n = count[static_cast<std::size_t>(c)];
    if (n == 0) continue;
    m.surfaceArea += static_cast<double>(n) * g.area[static_cast<std::size_t>(c)];
    volumeTerms += static_cast<double>(n) * g.volume[static_cast<std::size_t>(c)];
    // Tetrahedron (O, o + a, o + b, o + c) = local volume + o . (twice the area vector) / 6.
    for (int d = 0; d < 3; ++d)
      volumeTerms += static_cast<double>(indexSum[static_cast<std::size_t>(c)][static_cast<std::size_t>(d)]) * spacing[static_cast<std::size_t>(d)] *
                     g.areaVector2[static_cast<std::size_t>(c)][static_cast<std::size_t>(d)] / 6.0;
  }
  m.volume = volumeTerms;
  return m;
}

const std::vector<std::array<std::uint8_t, 3>>& cubeTriangles(int configuration) {
  return caseTable().at(static_cast<std::size_t>(configuration));
}

std::array<int, 3> edgeMidpoint2(int edge) { return midpoint2(edge); }

}  // namespace ren::radiomics::mesh
