// NIfTI-1 single-file reader and writer, implemented from the NIfTI-1 header layout
// (348-byte header, "n+1" magic, data at vox_offset). See ren/io/NiftiImage.h for the contract.
#include "ren/io/NiftiImage.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "ren/core/AtomicFile.h"
#include "ren/core/Error.h"

namespace ren::io {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kHeaderSize = 348;
constexpr std::size_t kDataOffset = 352;  // header + 4-byte extension flag (all zero)
constexpr std::size_t kChunkBytes = std::size_t{1} << 20;

// Byte offsets of the NIfTI-1 header fields used here.
namespace off {
constexpr std::size_t sizeofHdr = 0;
constexpr std::size_t regular = 38;
constexpr std::size_t dim = 40;         // short[8]
constexpr std::size_t datatype = 70;    // short
constexpr std::size_t bitpix = 72;      // short
constexpr std::size_t pixdim = 76;      // float[8]
constexpr std::size_t voxOffset = 108;  // float
constexpr std::size_t sclSlope = 112;   // float
constexpr std::size_t sclInter = 116;   // float
constexpr std::size_t xyztUnits = 123;  // char
constexpr std::size_t descrip = 148;    // char[80]
constexpr std::size_t qformCode = 252;  // short
constexpr std::size_t sformCode = 254;  // short
constexpr std::size_t quatern = 256;    // float b, c, d
constexpr std::size_t qoffset = 268;    // float x, y, z
constexpr std::size_t srow = 280;       // float[3][4]
constexpr std::size_t magic = 344;      // char[4]
}  // namespace off

constexpr int kUnitsMm = 2;

[[noreturn]] void fail(const fs::path& path, const std::string& problem) {
  throw InputError("NIfTI file '" + path.string() + "': " + problem);
}

std::string numberText(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

// ---- byte order (independent of the host's) ----

std::uint16_t load16(const unsigned char* p, bool big) {
  return big ? static_cast<std::uint16_t>((p[0] << 8) | p[1]) : static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t load32(const unsigned char* p, bool big) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[big ? 3 - i : i]) << (8 * i);
  return v;
}
std::uint64_t load64(const unsigned char* p, bool big) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[big ? 7 - i : i]) << (8 * i);
  return v;
}
void store16(unsigned char* p, std::uint16_t v) {
  p[0] = static_cast<unsigned char>(v);
  p[1] = static_cast<unsigned char>(v >> 8);
}
void store32(unsigned char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

std::int16_t loadShort(const unsigned char* h, std::size_t at, bool big) {
  return static_cast<std::int16_t>(load16(h + at, big));
}
double loadFloat(const unsigned char* h, std::size_t at, bool big) {
  const std::uint32_t bits = load32(h + at, big);
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return static_cast<double>(f);
}
void storeShort(unsigned char* h, std::size_t at, int v) { store16(h + at, static_cast<std::uint16_t>(v)); }
void storeFloat(unsigned char* h, std::size_t at, double v) {
  const float f = static_cast<float>(v);
  std::uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  store32(h + at, bits);
}

// Loads one stored voxel value of type S from `p`.
template <class S, bool Big>
S loadValue(const unsigned char* p) {
  if constexpr (sizeof(S) == 1) {
    return static_cast<S>(p[0]);
  } else if constexpr (sizeof(S) == 2) {
    const std::uint16_t u = load16(p, Big);
    S s;
    std::memcpy(&s, &u, sizeof s);
    return s;
  } else if constexpr (sizeof(S) == 4) {
    const std::uint32_t u = load32(p, Big);
    S s;
    std::memcpy(&s, &u, sizeof s);
    return s;
  } else {
    static_assert(sizeof(S) == 8);
    const std::uint64_t u = load64(p, Big);
    S s;
    std::memcpy(&s, &u, sizeof s);
    return s;
  }
}

// ---- datatypes ----

int bytesPerVoxel(int datatype) {
  switch (datatype) {
    case kNiftiUint8:
    case kNiftiInt8:
      return 1;
    case kNiftiInt16:
    case kNiftiUint16:
      return 2;
    case kNiftiInt32:
    case kNiftiFloat32:
      return 4;
    case kNiftiFloat64:
      return 8;
    default:
      return 0;
  }
}

std::string datatypeName(int datatype) {
  switch (datatype) {
    case kNiftiUint8:
      return "UINT8";
    case kNiftiInt8:
      return "INT8";
    case kNiftiInt16:
      return "INT16";
    case kNiftiUint16:
      return "UINT16";
    case kNiftiInt32:
      return "INT32";
    case kNiftiFloat32:
      return "FLOAT32";
    case kNiftiFloat64:
      return "FLOAT64";
    default:
      return "code " + std::to_string(datatype);
  }
}

template <class T>
const char* voxelTypeName() {
  if constexpr (std::is_same_v<T, std::int16_t>)
    return "int16";
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return "uint8";
  else
    return "float32";
}

// ---- header ----

struct Header {
  bool bigEndian = false;
  std::array<int, 8> dim{};
  int datatype = 0;
  int bitpix = 0;
  std::array<double, 8> pixdim{};
  double voxOffset = 0;
  double sclSlope = 0;
  double sclInter = 0;
  int qformCode = 0;
  int sformCode = 0;
  std::array<double, 3> quatern{};
  std::array<double, 3> qoffset{};
  std::array<std::array<double, 4>, 3> srow{};
};

Header parseHeader(const unsigned char* h, const fs::path& path) {
  Header hdr;
  const std::uint32_t sizeLe = load32(h + off::sizeofHdr, false);
  const std::uint32_t sizeBe = load32(h + off::sizeofHdr, true);
  if (sizeLe == kHeaderSize) {
    hdr.bigEndian = false;
  } else if (sizeBe == kHeaderSize) {
    hdr.bigEndian = true;
  } else if (sizeLe == 540 || sizeBe == 540) {
    fail(path, "NIfTI-2 files are not supported (sizeof_hdr = 540); expected NIfTI-1");
  } else {
    fail(path, "not a NIfTI-1 file (sizeof_hdr is " + std::to_string(sizeLe) + ", expected 348)");
  }
  const unsigned char* m = h + off::magic;
  if (m[0] == 'n' && m[1] == 'i' && m[2] == '1' && m[3] == 0) {
    fail(path, "two-file NIfTI-1 (.hdr/.img, magic \"ni1\") is not supported; expected a single-file .nii");
  }
  if (!(m[0] == 'n' && m[1] == '+' && m[2] == '1' && m[3] == 0)) {
    fail(path, "not a NIfTI-1 file (magic is not \"n+1\")");
  }
  const bool big = hdr.bigEndian;
  for (std::size_t i = 0; i < 8; ++i) {
    hdr.dim[i] = loadShort(h, off::dim + 2 * i, big);
    hdr.pixdim[i] = loadFloat(h, off::pixdim + 4 * i, big);
  }
  hdr.datatype = loadShort(h, off::datatype, big);
  hdr.bitpix = loadShort(h, off::bitpix, big);
  hdr.voxOffset = loadFloat(h, off::voxOffset, big);
  hdr.sclSlope = loadFloat(h, off::sclSlope, big);
  hdr.sclInter = loadFloat(h, off::sclInter, big);
  hdr.qformCode = loadShort(h, off::qformCode, big);
  hdr.sformCode = loadShort(h, off::sformCode, big);
  for (std::size_t i = 0; i < 3; ++i) {
    hdr.quatern[i] = loadFloat(h, off::quatern + 4 * i, big);
    hdr.qoffset[i] = loadFloat(h, off::qoffset + 4 * i, big);
    for (std::size_t j = 0; j < 4; ++j) hdr.srow[i][j] = loadFloat(h, off::srow + 16 * i + 4 * j, big);
  }

  // Dimensionality: a single 3D volume (4D only with one time point).
  const int ndim = hdr.dim[0];
  if (ndim == 2) fail(path, "image is 2D (dim[0] = 2); a 3D image is required");
  if (ndim == 4 && hdr.dim[4] != 1) {
    fail(path, "image is 4D with dim[4] = " + std::to_string(hdr.dim[4]) + "; a single 3D volume is required");
  }
  if (ndim != 3 && ndim != 4) fail(path, "dim[0] = " + std::to_string(ndim) + "; a 3D image is required");
  for (std::size_t i = 1; i <= 3; ++i) {
    if (hdr.dim[i] < 1) {
      fail(path, "dim[" + std::to_string(i) + "] = " + std::to_string(hdr.dim[i]) + " is not a valid size");
    }
  }
  const int bpv = bytesPerVoxel(hdr.datatype);
  if (bpv == 0) {
    fail(path, "unsupported datatype " + std::to_string(hdr.datatype) +
                   " (supported: UINT8, INT8, INT16, UINT16, INT32, FLOAT32, FLOAT64)");
  }
  if (hdr.bitpix != 8 * bpv) {
    fail(path, "bitpix " + std::to_string(hdr.bitpix) + " does not match datatype " + datatypeName(hdr.datatype) +
                   " (" + std::to_string(8 * bpv) + " bits)");
  }
  if (!std::isfinite(hdr.voxOffset) || hdr.voxOffset < static_cast<double>(kHeaderSize) || hdr.voxOffset > 1e12) {
    fail(path, "vox_offset " + numberText(hdr.voxOffset) + " is invalid (must be at least 348)");
  }
  return hdr;
}

VolumeGeometry geometryOf(const Header& h, const fs::path& path) {
  VolumeGeometry g;
  g.size = {h.dim[1], h.dim[2], h.dim[3]};
  double m[3][3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};  // voxel-to-world, columns = voxel axes
  std::array<double, 3> origin{0, 0, 0};
  const char* source = "pixdim";
  if (h.sformCode > 0) {
    source = "sform";
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 3; ++c) m[r][c] = h.srow[r][c];
      origin[r] = h.srow[r][3];
    }
  } else if (h.qformCode > 0) {
    source = "qform";
    double b = h.quatern[0], c = h.quatern[1], d = h.quatern[2];
    double a = 0;
    const double a2 = 1.0 - (b * b + c * c + d * d);
    if (a2 < 1e-7) {
      // (b, c, d) is (nearly) a unit vector: a 180-degree rotation; renormalise it.
      const double n = std::sqrt(b * b + c * c + d * d);
      b /= n;
      c /= n;
      d /= n;
    } else {
      a = std::sqrt(a2);
    }
    const double rot[3][3] = {{a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
                              {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)},
                              {2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c}};
    const double qfac = h.pixdim[0] < 0 ? -1.0 : 1.0;
    const double scale[3] = {h.pixdim[1], h.pixdim[2], h.pixdim[3] * qfac};
    for (int r = 0; r < 3; ++r) {
      for (int col = 0; col < 3; ++col) m[r][col] = rot[r][col] * scale[col];
      origin[static_cast<std::size_t>(r)] = h.qoffset[static_cast<std::size_t>(r)];
    }
  } else {
    for (int i = 0; i < 3; ++i) m[i][i] = h.pixdim[static_cast<std::size_t>(i) + 1];
  }
  for (std::size_t col = 0; col < 3; ++col) {
    const double n = std::sqrt(m[0][col] * m[0][col] + m[1][col] * m[1][col] + m[2][col] * m[2][col]);
    if (!std::isfinite(n) || !(n > 0)) {
      fail(path, std::string("voxel-to-world matrix from the ") + source + " has a zero or invalid column " +
                     std::to_string(col) + " (voxel spacing " + numberText(n) + ")");
    }
    g.spacing[col] = n;
    for (std::size_t r = 0; r < 3; ++r) g.direction[3 * r + col] = m[r][col] / n;
  }
  for (std::size_t r = 0; r < 3; ++r) {
    if (!std::isfinite(origin[r])) fail(path, std::string("origin from the ") + source + " is not finite");
    g.origin[r] = origin[r];
  }
  return g;
}

// ---- input: raw or gzip byte streams ----

class Source {
 public:
  virtual ~Source() = default;
  /// Reads up to n bytes; returns fewer only at the end of the data.
  virtual std::size_t read(unsigned char* dst, std::size_t n) = 0;
  /// Reads to the end so that stream integrity (gzip CRC and length) is verified.
  virtual void finish() {}
};

class RawSource final : public Source {
 public:
  RawSource(std::ifstream in, const fs::path& path) : in_(std::move(in)), path_(path) {}
  std::size_t read(unsigned char* dst, std::size_t n) override {
    in_.read(reinterpret_cast<char*>(dst), static_cast<std::streamsize>(n));
    if (in_.bad()) fail(path_, std::string("read error: ") + std::strerror(errno));
    return static_cast<std::size_t>(in_.gcount());
  }

 private:
  std::ifstream in_;
  fs::path path_;
};

class GzSource final : public Source {
 public:
  GzSource(std::ifstream in, const fs::path& path) : in_(std::move(in)), path_(path), inBuf_(256 * 1024) {
    if (inflateInit2(&zs_, 15 + 16) != Z_OK) fail(path_, "cannot initialise zlib");
  }
  ~GzSource() override { inflateEnd(&zs_); }
  GzSource(const GzSource&) = delete;
  GzSource& operator=(const GzSource&) = delete;

  std::size_t read(unsigned char* dst, std::size_t n) override {
    std::size_t done = 0;
    while (done < n) {
      if (memberEnded_) {
        // Concatenated gzip members are valid gzip; anything else after a member is ignored.
        if (zs_.avail_in == 0 && !refill()) break;
        if (zs_.next_in[0] != 0x1f) break;
        if (inflateReset(&zs_) != Z_OK) fail(path_, "corrupt gzip data (cannot reset the decompressor)");
        memberEnded_ = false;
      }
      if (zs_.avail_in == 0 && !refill()) {
        fail(path_, "corrupt gzip data: the compressed stream ends unexpectedly");
      }
      const std::size_t want = std::min<std::size_t>(n - done, UINT_MAX / 2);
      zs_.next_out = dst + done;
      zs_.avail_out = static_cast<uInt>(want);
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      done += want - zs_.avail_out;
      if (rc == Z_STREAM_END) {
        memberEnded_ = true;
      } else if (rc == Z_BUF_ERROR && zs_.avail_in == 0) {
        continue;  // needs more input: refilled on the next pass
      } else if (rc != Z_OK) {
        fail(path_, std::string("corrupt gzip data (") +
                        (zs_.msg != nullptr ? zs_.msg : "zlib error " + std::to_string(rc)) + ")");
      }
    }
    return done;
  }

  void finish() override {
    std::vector<unsigned char> scratch(64 * 1024);
    while (read(scratch.data(), scratch.size()) == scratch.size()) {
    }
  }

 private:
  bool refill() {
    in_.read(reinterpret_cast<char*>(inBuf_.data()), static_cast<std::streamsize>(inBuf_.size()));
    if (in_.bad()) fail(path_, std::string("read error: ") + std::strerror(errno));
    const auto got = static_cast<std::size_t>(in_.gcount());
    zs_.next_in = inBuf_.data();
    zs_.avail_in = static_cast<uInt>(got);
    return got > 0;
  }

  std::ifstream in_;
  fs::path path_;
  std::vector<unsigned char> inBuf_;
  z_stream zs_{};
  bool memberEnded_ = false;
};

struct Opened {
  std::unique_ptr<Source> source;
  Header header;
  bool gzip = false;
  std::uintmax_t fileSize = 0;
};

Opened openAndParse(const fs::path& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) fail(path, "file does not exist");
  if (fs::is_directory(st)) fail(path, "is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
  Opened o;
  o.fileSize = fs::file_size(path, ec);
  if (ec) o.fileSize = 0;
  unsigned char magic[2] = {0, 0};
  in.read(reinterpret_cast<char*>(magic), 2);
  o.gzip = in.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  in.clear();
  in.seekg(0);
  if (!in) fail(path, "cannot rewind the file");
  if (o.gzip) {
    o.source = std::make_unique<GzSource>(std::move(in), path);
  } else {
    o.source = std::make_unique<RawSource>(std::move(in), path);
  }
  unsigned char h[kHeaderSize];
  const std::size_t got = o.source->read(h, kHeaderSize);
  if (got < kHeaderSize) {
    fail(path, "not a NIfTI-1 file: " + std::to_string(got) + std::string(o.gzip ? " decompressed" : "") +
                   " bytes, shorter than the 348-byte header");
  }
  o.header = parseHeader(h, path);
  return o;
}

// ---- conversion of stored values to the voxel type ----

struct Scaling {
  bool apply = false;
  double slope = 1;
  double inter = 0;
};

Scaling scalingOf(const Header& h) {
  Scaling s;
  if (std::isfinite(h.sclSlope) && h.sclSlope != 0.0) {
    s.slope = h.sclSlope;
    s.inter = std::isfinite(h.sclInter) ? h.sclInter : 0.0;
    s.apply = !(s.slope == 1.0 && s.inter == 0.0);
  }
  return s;
}

struct ConvertContext {
  Scaling scaling;
  std::array<std::int64_t, 3> size{};
  const fs::path* path = nullptr;
};

std::string voxelText(std::size_t index, const std::array<std::int64_t, 3>& size) {
  const auto nx = static_cast<std::size_t>(size[0]), ny = static_cast<std::size_t>(size[1]);
  return "voxel (" + std::to_string(index % nx) + ", " + std::to_string((index / nx) % ny) + ", " +
         std::to_string(index / (nx * ny)) + ")";
}

template <class T>
T toVoxel(double v, std::size_t index, const ConvertContext& ctx) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isfinite(v) && std::fabs(v) > static_cast<double>(std::numeric_limits<T>::max())) {
      fail(*ctx.path, voxelText(index, ctx.size) + " has value " + numberText(v) + ", outside the float32 range");
    }
    return static_cast<T>(v);
  } else {
    constexpr double lo = static_cast<double>(std::numeric_limits<T>::lowest());
    constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
    if (!(v >= lo && v <= hi)) {
      fail(*ctx.path, voxelText(index, ctx.size) + " has value " + numberText(v) + ", outside the range of " +
                          voxelTypeName<T>() + " [" + numberText(lo) + ", " + numberText(hi) + "]");
    }
    if (v != std::trunc(v)) {
      fail(*ctx.path, voxelText(index, ctx.size) + " has non-integral value " + numberText(v) +
                          ", which cannot be stored exactly as " + voxelTypeName<T>());
    }
    return static_cast<T>(v);
  }
}

template <class T>
using ConvertFn = void (*)(const unsigned char* src, std::size_t count, T* dst, std::size_t firstIndex,
                           const ConvertContext& ctx);

template <class T, class S, bool Big>
void convertChunk(const unsigned char* src, std::size_t count, T* dst, std::size_t firstIndex,
                  const ConvertContext& ctx) {
  // Unscaled values that always fit exactly (or, for float, always lie in range) need no checks.
  if constexpr (std::is_same_v<S, T> || (std::is_floating_point_v<T> && sizeof(S) <= sizeof(T))) {
    if (!ctx.scaling.apply) {
      for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<T>(loadValue<S, Big>(src + i * sizeof(S)));
      return;
    }
  }
  const Scaling sc = ctx.scaling;
  for (std::size_t i = 0; i < count; ++i) {
    double v = static_cast<double>(loadValue<S, Big>(src + i * sizeof(S)));
    if (sc.apply) v = v * sc.slope + sc.inter;
    dst[i] = toVoxel<T>(v, firstIndex + i, ctx);
  }
}

template <class T, bool Big>
ConvertFn<T> converterFor(int datatype) {
  switch (datatype) {
    case kNiftiUint8:
      return &convertChunk<T, std::uint8_t, Big>;
    case kNiftiInt8:
      return &convertChunk<T, std::int8_t, Big>;
    case kNiftiInt16:
      return &convertChunk<T, std::int16_t, Big>;
    case kNiftiUint16:
      return &convertChunk<T, std::uint16_t, Big>;
    case kNiftiInt32:
      return &convertChunk<T, std::int32_t, Big>;
    case kNiftiFloat32:
      return &convertChunk<T, float, Big>;
    case kNiftiFloat64:
      return &convertChunk<T, double, Big>;
    default:
      return nullptr;
  }
}

// ---- output: raw or gzip byte sinks (errors are std::runtime_error, wrapped by the caller) ----

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write(const unsigned char* data, std::size_t n) = 0;
  virtual void close() = 0;
};

class RawSink final : public Sink {
 public:
  explicit RawSink(const fs::path& file) : out_(file, std::ios::binary | std::ios::trunc) {
    if (!out_) throw std::runtime_error("cannot create '" + file.string() + "': " + std::strerror(errno));
  }
  void write(const unsigned char* data, std::size_t n) override {
    out_.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
    if (!out_) throw std::runtime_error(std::string("write failed: ") + std::strerror(errno));
  }
  void close() override {
    out_.flush();
    out_.close();
    if (!out_) throw std::runtime_error(std::string("cannot finish writing: ") + std::strerror(errno));
  }

 private:
  std::ofstream out_;
};

class GzSink final : public Sink {
 public:
  explicit GzSink(const fs::path& file) : raw_(file), outBuf_(256 * 1024) {
    if (deflateInit2(&zs_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::runtime_error("cannot initialise zlib");
    }
    initialised_ = true;
    // Fixed gzip header: no name, no comment, mtime 0, OS 255 (unknown): nothing host- or
    // time-dependent, so identical input gives identical bytes.
    header_.text = 0;
    header_.time = 0;
    header_.os = 255;
    header_.extra = Z_NULL;
    header_.name = Z_NULL;
    header_.comment = Z_NULL;
    header_.hcrc = 0;
    if (deflateSetHeader(&zs_, &header_) != Z_OK) throw std::runtime_error("cannot set the gzip header");
  }
  ~GzSink() override {
    if (initialised_) deflateEnd(&zs_);
  }
  GzSink(const GzSink&) = delete;
  GzSink& operator=(const GzSink&) = delete;

  void write(const unsigned char* data, std::size_t n) override {
    while (n > 0) {
      const std::size_t take = std::min<std::size_t>(n, UINT_MAX / 2);
      zs_.next_in = const_cast<unsigned char*>(data);
      zs_.avail_in = static_cast<uInt>(take);
      while (zs_.avail_in > 0) pump(Z_NO_FLUSH);
      data += take;
      n -= take;
    }
  }
  void close() override {
    zs_.next_in = nullptr;
    zs_.avail_in = 0;
    while (pump(Z_FINISH) != Z_STREAM_END) {
    }
    deflateEnd(&zs_);
    initialised_ = false;
    raw_.close();
  }

 private:
  int pump(int flush) {
    zs_.next_out = outBuf_.data();
    zs_.avail_out = static_cast<uInt>(outBuf_.size());
    const int rc = deflate(&zs_, flush);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      throw std::runtime_error("zlib compression failed (error " + std::to_string(rc) + ")");
    }
    const std::size_t produced = outBuf_.size() - zs_.avail_out;
    if (produced > 0) raw_.write(outBuf_.data(), produced);
    return rc;
  }

  RawSink raw_;
  std::vector<unsigned char> outBuf_;
  z_stream zs_{};
  gz_header header_{};
  bool initialised_ = false;
};

bool hasGzipName(const fs::path& path) {
  std::string name = path.filename().string();
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name.size() >= 3 && name.compare(name.size() - 3, 3, ".gz") == 0;
}

// ---- writer ----

// Unit quaternion (a, b, c, d), a >= 0, of a proper rotation matrix r (row-major).
std::array<double, 4> quaternionOf(const double r[3][3]) {
  double a, b, c, d;
  const double trace = r[0][0] + r[1][1] + r[2][2];
  if (trace > 0) {
    const double s = 2.0 * std::sqrt(1.0 + trace);  // 4a
    a = 0.25 * s;
    b = (r[2][1] - r[1][2]) / s;
    c = (r[0][2] - r[2][0]) / s;
    d = (r[1][0] - r[0][1]) / s;
  } else if (r[0][0] >= r[1][1] && r[0][0] >= r[2][2]) {
    const double s = 2.0 * std::sqrt(std::max(0.0, 1.0 + r[0][0] - r[1][1] - r[2][2]));  // 4b
    b = 0.25 * s;
    a = (r[2][1] - r[1][2]) / s;
    c = (r[0][1] + r[1][0]) / s;
    d = (r[0][2] + r[2][0]) / s;
  } else if (r[1][1] >= r[2][2]) {
    const double s = 2.0 * std::sqrt(std::max(0.0, 1.0 - r[0][0] + r[1][1] - r[2][2]));  // 4c
    c = 0.25 * s;
    a = (r[0][2] - r[2][0]) / s;
    b = (r[0][1] + r[1][0]) / s;
    d = (r[1][2] + r[2][1]) / s;
  } else {
    const double s = 2.0 * std::sqrt(std::max(0.0, 1.0 - r[0][0] - r[1][1] + r[2][2]));  // 4d
    d = 0.25 * s;
    a = (r[1][0] - r[0][1]) / s;
    b = (r[0][2] + r[2][0]) / s;
    c = (r[1][2] + r[2][1]) / s;
  }
  const double n = std::sqrt(a * a + b * b + c * c + d * d);
  a /= n;
  b /= n;
  c /= n;
  d /= n;
  if (a < 0) {
    a = -a;
    b = -b;
    c = -c;
    d = -d;
  }
  return {a, b, c, d};
}

std::array<unsigned char, kDataOffset> buildHeader(const VolumeGeometry& g, int datatype, int bitpix,
                                                   const fs::path& path) {
  auto bad = [&](const std::string& problem) {
    throw InputError("cannot write NIfTI file '" + path.string() + "': " + problem);
  };
  for (std::size_t i = 0; i < 3; ++i) {
    if (g.size[i] < 1 || g.size[i] > 32767) {
      bad("size " + std::to_string(g.size[i]) + " along axis " + std::to_string(i) +
          " cannot be stored in a NIfTI-1 header (1..32767)");
    }
    if (!std::isfinite(g.spacing[i]) || !(g.spacing[i] > 0))
      bad("spacing along axis " + std::to_string(i) + " is not positive");
    if (!std::isfinite(g.origin[i])) bad("origin is not finite");
  }
  double dir[3][3];
  for (std::size_t r = 0; r < 3; ++r) {
    for (std::size_t c = 0; c < 3; ++c) {
      dir[r][c] = g.direction[3 * r + c];
      if (!std::isfinite(dir[r][c])) bad("direction matrix is not finite");
    }
  }
  const double det = dir[0][0] * (dir[1][1] * dir[2][2] - dir[1][2] * dir[2][1]) -
                     dir[0][1] * (dir[1][0] * dir[2][2] - dir[1][2] * dir[2][0]) +
                     dir[0][2] * (dir[1][0] * dir[2][1] - dir[1][1] * dir[2][0]);
  if (!(std::fabs(det) > 1e-6)) bad("direction matrix is singular");
  const double qfac = det < 0 ? -1.0 : 1.0;
  double rot[3][3];
  for (std::size_t r = 0; r < 3; ++r) {
    rot[r][0] = dir[r][0];
    rot[r][1] = dir[r][1];
    rot[r][2] = dir[r][2] * qfac;  // qform: world = R * diag(dx, dy, qfac * dz) * ijk + offset
  }
  const std::array<double, 4> q = quaternionOf(rot);

  std::array<unsigned char, kDataOffset> h{};  // all other fields (and the extension flag) zero
  store32(h.data() + off::sizeofHdr, static_cast<std::uint32_t>(kHeaderSize));
  h[off::regular] = 'r';
  const int dims[8] = {
      3, static_cast<int>(g.size[0]), static_cast<int>(g.size[1]), static_cast<int>(g.size[2]), 1, 1, 1, 1};
  const double pixdim[8] = {qfac, g.spacing[0], g.spacing[1], g.spacing[2], 1, 1, 1, 1};
  for (std::size_t i = 0; i < 8; ++i) {
    storeShort(h.data(), off::dim + 2 * i, dims[i]);
    storeFloat(h.data(), off::pixdim + 4 * i, pixdim[i]);
  }
  storeShort(h.data(), off::datatype, datatype);
  storeShort(h.data(), off::bitpix, bitpix);
  storeFloat(h.data(), off::voxOffset, static_cast<double>(kDataOffset));
  storeFloat(h.data(), off::sclSlope, 1.0);
  storeFloat(h.data(), off::sclInter, 0.0);
  h[off::xyztUnits] = static_cast<unsigned char>(kUnitsMm);
  const char descrip[] = "REN-HPC";
  std::memcpy(h.data() + off::descrip, descrip, sizeof descrip - 1);
  storeShort(h.data(), off::qformCode, 1);  // NIFTI_XFORM_SCANNER_ANAT
  storeShort(h.data(), off::sformCode, 1);
  for (std::size_t i = 0; i < 3; ++i) {
    storeFloat(h.data(), off::quatern + 4 * i, q[i + 1]);
    storeFloat(h.data(), off::qoffset + 4 * i, g.origin[i]);
    for (std::size_t j = 0; j < 3; ++j) storeFloat(h.data(), off::srow + 16 * i + 4 * j, dir[i][j] * g.spacing[j]);
    storeFloat(h.data(), off::srow + 16 * i + 12, g.origin[i]);
  }
  h[off::magic] = 'n';
  h[off::magic + 1] = '+';
  h[off::magic + 2] = '1';
  h[off::magic + 3] = 0;
  return h;
}

template <class T>
void encodeLittleEndian(const T* src, std::size_t count, unsigned char* dst) {
  for (std::size_t i = 0; i < count; ++i) {
    if constexpr (sizeof(T) == 1) {
      dst[i] = static_cast<unsigned char>(src[i]);
    } else if constexpr (sizeof(T) == 2) {
      std::uint16_t u;
      std::memcpy(&u, &src[i], 2);
      store16(dst + 2 * i, u);
    } else {
      static_assert(sizeof(T) == 4);
      std::uint32_t u;
      std::memcpy(&u, &src[i], 4);
      store32(dst + 4 * i, u);
    }
  }
}

template <class T>
void writeImpl(const fs::path& path, const Volume<T>& v, int datatype) {
  constexpr int bitpix = static_cast<int>(8 * sizeof(T));
  if (v.voxels.size() != v.geometry.voxelCount()) {
    throw InputError("cannot write NIfTI file '" + path.string() + "': the volume has " +
                     std::to_string(v.voxels.size()) + " voxels but its size needs " +
                     std::to_string(v.geometry.voxelCount()));
  }
  const auto header = buildHeader(v.geometry, datatype, bitpix, path);
  if (path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) {
      throw InputError("cannot write NIfTI file '" + path.string() + "': cannot create directory '" +
                       path.parent_path().string() + "': " + ec.message());
    }
  }
  const fs::path tmp = temporaryPathFor(path);
  try {
    {
      std::unique_ptr<Sink> sink;
      if (hasGzipName(path)) {
        sink = std::make_unique<GzSink>(tmp);
      } else {
        sink = std::make_unique<RawSink>(tmp);
      }
      sink->write(header.data(), header.size());
      constexpr std::size_t perChunk = kChunkBytes / sizeof(T);
      std::vector<unsigned char> buf(perChunk * sizeof(T));
      for (std::size_t first = 0; first < v.voxels.size(); first += perChunk) {
        const std::size_t count = std::min(perChunk, v.voxels.size() - first);
        encodeLittleEndian(v.voxels.data() + first, count, buf.data());
        sink->write(buf.data(), count * sizeof(T));
      }
      sink->close();
    }
    commitTemporary(tmp, path);
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw InputError("cannot write NIfTI file '" + path.string() + "': " + e.what());
  }
}

}  // namespace

void writeNifti(const fs::path& path, const Volume<std::int16_t>& v) { writeImpl(path, v, kNiftiInt16); }
void writeNifti(const fs::path& path, const Volume<std::uint8_t>& v) { writeImpl(path, v, kNiftiUint8); }
void writeNifti(const fs::path& path, const Volume<float>& v) { writeImpl(path, v, kNiftiFloat32); }

NiftiInfo readNiftiInfo(const fs::path& path) {
  const Opened o = openAndParse(path);
  NiftiInfo info;
  info.geometry = geometryOf(o.header, path);
  info.datatype = o.header.datatype;
  info.bitpix = o.header.bitpix;
  return info;
}

template <class T>
Volume<T> readNifti(const fs::path& path) {
  Opened o = openAndParse(path);
  const Header& h = o.header;
  Volume<T> vol;
  vol.geometry = geometryOf(h, path);
  const auto bpv = static_cast<std::size_t>(bytesPerVoxel(h.datatype));
  const std::size_t count = vol.geometry.voxelCount();
  const auto dataBytes = static_cast<std::uintmax_t>(count) * bpv;
  const auto voxOffset = static_cast<std::uintmax_t>(h.voxOffset);
  const std::uintmax_t needed = voxOffset + dataBytes;
  auto truncated = [&](std::uintmax_t have) {
    fail(path, "file is truncated: the header (" + std::to_string(vol.geometry.size[0]) + "x" +
                   std::to_string(vol.geometry.size[1]) + "x" + std::to_string(vol.geometry.size[2]) + " " +
                   datatypeName(h.datatype) + ", vox_offset " + std::to_string(voxOffset) + ") needs " +
                   std::to_string(needed) + " bytes but the " + (o.gzip ? "decompressed data has " : "file has ") +
                   std::to_string(have));
  };
  if (!o.gzip && o.fileSize < needed) truncated(o.fileSize);
  // Deflate cannot expand more than about 1032:1; refuse before allocating for an impossible size.
  if (o.gzip && needed > o.fileSize * 1040 + (1u << 20)) {
    fail(path, "file is truncated: " + std::to_string(o.fileSize) + " compressed bytes cannot hold the " +
                   std::to_string(needed) + " bytes the header describes");
  }

  std::vector<unsigned char> buf(kChunkBytes);
  // Skip extensions between the header and vox_offset.
  std::uintmax_t position = kHeaderSize;
  while (position < voxOffset) {
    const auto want = static_cast<std::size_t>(std::min<std::uintmax_t>(buf.size(), voxOffset - position));
    const std::size_t got = o.source->read(buf.data(), want);
    position += got;
    if (got < want) truncated(position);
  }

  ConvertContext ctx;
  ctx.scaling = scalingOf(h);
  ctx.size = vol.geometry.size;
  ctx.path = &path;
  const ConvertFn<T> convert = h.bigEndian ? converterFor<T, true>(h.datatype) : converterFor<T, false>(h.datatype);
  if (convert == nullptr) fail(path, "unsupported datatype " + datatypeName(h.datatype));

  vol.voxels.resize(count);
  const std::size_t perChunk = kChunkBytes / bpv;
  for (std::size_t first = 0; first < count; first += perChunk) {
    const std::size_t n = std::min(perChunk, count - first);
    const std::size_t got = o.source->read(buf.data(), n * bpv);
    if (got < n * bpv) truncated(voxOffset + first * bpv + got);
    convert(buf.data(), n, vol.voxels.data() + first, first, ctx);
  }
  o.source->finish();
  return vol;
}

template Volume<std::int16_t> readNifti<std::int16_t>(const fs::path&);
template Volume<std::uint8_t> readNifti<std::uint8_t>(const fs::path&);
template Volume<float> readNifti<float>(const fs::path&);

}  // namespace ren::io
