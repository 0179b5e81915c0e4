// HDF5 shards of preprocessed scans (layout: include/ren/preprocess/ScanShard.h).
//
// Design notes (the generic ones, on locking, errors and strings, are in
// include/ren/preprocess/Hdf5Objects.h, whose helpers this file uses)
// - Thread safety. Every HDF5 call of this file runs under the process-wide HDF5 mutex (an
//   hdf5::Hdf5Lock, see Hdf5Objects.h). What is slow and parallelisable, (de)compression and the
//   float <-> uint16 conversion, is done OUTSIDE the mutex: the writer deflates each dataset's single
//   chunk itself with zlib and stores it with H5Dwrite_chunk (the dataset carries the standard
//   deflate filter, so any HDF5 reader decodes it), the reader fetches the raw chunk with
//   H5Dread_chunk and inflates it after releasing the lock. Any other layout (unfiltered, other
//   filters, other types) is read with H5Dread under the lock.
// - Determinism. Identical input gives a byte-identical shard: object modification times are not
//   stored (H5Pset_obj_track_times(..., 0) on the file creation list, which also covers the root
//   group, on the /scans and per-scan group creation lists and on the dataset creation lists); chunks
//   are compressed by zlib with a fixed level; nothing else in the file depends on time or on the
//   temporary file name. H5Pset_libver_bounds is NOT set (the library default: the earliest format
//   that can hold each object, so HDF5 >= 1.8 readers open the shards); the determinism test of
//   tests/preprocess/test_scan_shard.cpp checks the bytes.
// - Attributes: text fields are scalar variable-length UTF-8 strings; booleans (lobes_absent) and
//   small integers are int32 scalars, counts and sizes int64 1-D arrays, real numbers float64.
// - Scan order: the /scans group tracks and indexes link creation order, so shardScanIds (and h5py,
//   which iterates in creation order when it is tracked) return the scans in the order written.
// - Errors: a failing HDF5 call throws hdf5::Hdf5Failure (ShardFailure here) carrying the most
//   specific message of HDF5's error stack; the public functions turn it into an InputError naming
//   the shard (and scan).
#include "ren/preprocess/ScanShard.h"

#include <hdf5.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "ren/core/AtomicFile.h"
#include "ren/core/Error.h"
#include "ren/preprocess/Hdf5Objects.h"

namespace ren::preprocess {
namespace fs = std::filesystem;

namespace {

// The shared HDF5 helpers (Hdf5Objects.h).
using hdf5::check;
using hdf5::failHdf5;
using hdf5::fileAccessList;
using hdf5::Hdf5Lock;
using hdf5::Hid;
using hdf5::linkExists;
using hdf5::readArrayAttr;
using hdf5::readDoubleAttr;
using hdf5::readIntAttr;
using hdf5::readStringAttr;
using hdf5::writeArrayAttr;
using hdf5::writeDoubleAttr;
using hdf5::writeIntAttr;
using hdf5::writeStringAttr;
/// Internal failure; the public functions turn it into an InputError naming the file (and scan).
using ShardFailure = hdf5::Hdf5Failure;

// ---------------------------------------------------------------------------------------------
// Shard-specific helpers

bool littleEndianHost() {
  const std::uint16_t probe = 1;
  unsigned char first = 0;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

void writeGeometry(hid_t obj, const std::string& prefix, const io::VolumeGeometry& g) {
  writeArrayAttr(obj, (prefix + "_size").c_str(), g.size);
  writeArrayAttr(obj, (prefix + "_spacing").c_str(), g.spacing);
  writeArrayAttr(obj, (prefix + "_origin").c_str(), g.origin);
  writeArrayAttr(obj, (prefix + "_direction").c_str(), g.direction);
}

io::VolumeGeometry readGeometry(hid_t obj, const std::string& prefix) {
  io::VolumeGeometry g;
  readArrayAttr(obj, (prefix + "_size").c_str(), g.size);
  readArrayAttr(obj, (prefix + "_spacing").c_str(), g.spacing);
  readArrayAttr(obj, (prefix + "_origin").c_str(), g.origin);
  readArrayAttr(obj, (prefix + "_direction").c_str(), g.direction);
  return g;
}

// ---------------------------------------------------------------------------------------------
// Chunk encoding (outside the lock)

/// A dataset's content ready to be stored: one zlib stream (level > 0) or the raw bytes.
struct EncodedChunk {
  std::vector<unsigned char> bytes;
  bool deflated = false;
};

EncodedChunk deflateBytes(const void* data, std::size_t size, int level) {
  EncodedChunk out;
  if (level <= 0) {
    out.bytes.assign(static_cast<const unsigned char*>(data), static_cast<const unsigned char*>(data) + size);
    return out;
  }
  uLongf capacity = compressBound(static_cast<uLong>(size));
  out.bytes.resize(capacity);
  const int rc = compress2(out.bytes.data(), &capacity, static_cast<const Bytef*>(data), static_cast<uLong>(size), level);
  if (rc != Z_OK) throw ShardFailure("zlib compress2 failed (" + std::to_string(rc) + ")");
  out.bytes.resize(capacity);
  out.bytes.shrink_to_fit();
  out.deflated = true;
  return out;
}

// Own inflater for the single-chunk zlib streams of the shards. zlib's inflate copies overlapping
// matches one byte at a time, which for the long runs of zeros of a windowed scan (distance 1 or 2
// matches) costs several ms per scan; this decoder fills such runs with memset / doubling memcpy
// and checks the Adler-32 trailer with a zero-skipping sum. It accepts only well-formed streams that
// decode to exactly the expected size; anything else (including codes it does not handle, such as
// incomplete code sets) returns false and the caller falls back to zlib, which gives the verdict.
class FastInflater {
 public:
  FastInflater(const unsigned char* in, std::size_t inSize, unsigned char* out, std::size_t outSize)
      : in_(in), p_(in), end_(in + inSize), inSize_(inSize), outStart_(out), out_(out), outEnd_(out + outSize) {}

  bool run() {
    if (inSize_ < 6) return false;
    const unsigned cmf = in_[0], flg = in_[1];
    if ((cmf & 0x0F) != 8 || (cmf >> 4) > 7 || (flg & 0x20) || ((cmf << 8) | flg) % 31 != 0) return false;
    p_ = in_ + 2;
    for (bool last = false; !last;) {
      refill();
      last = bits(1) != 0;
      const unsigned type = static_cast<unsigned>(bits(2));
      bool ok = false;
      if (type == 0) ok = storedBlock();
      else if (type == 1) ok = fixedBlock();
      else if (type == 2) ok = dynamicBlock();
      if (!ok || overrun()) return false;
    }
    if (out_ != outEnd_) return false;
    if (!alignToByte()) return false;
    if (static_cast<std::size_t>(end_ - p_) < 4) return false;
    const std::uint32_t stored = (std::uint32_t{p_[0]} << 24) | (std::uint32_t{p_[1]} << 16) |
                                 (std::uint32_t{p_[2]} << 8) | std::uint32_t{p_[3]};
    return stored == adler32Of(outStart_, static_cast<std::size_t>(outEnd_ - outStart_));
  }

 private:
  static constexpr int kTableBits = 10;
  struct Code {
    std::array<std::uint16_t, 1u << kTableBits> table{};  // (symbol << 4) | length; 0: longer code
    std::array<std::uint16_t, 16> count{};
    std::array<std::uint16_t, 320> symbols{};  // by code length, then symbol (canonical order)
  };

  const unsigned char* in_;
  const unsigned char* p_;
  const unsigned char* end_;
  std::size_t inSize_;
  std::size_t fake_ = 0;  // zero bytes fed past the end of the input
  std::uint64_t buf_ = 0;
  int cnt_ = 0;
  unsigned char* outStart_;
  unsigned char* out_;
  unsigned char* outEnd_;
  Code lit_, dist_;

  void refill() {
    if (cnt_ <= 56 && end_ - p_ >= 8) {  // whole bytes at once (little-endian load)
      std::uint64_t word = 0;
      for (int k = 0; k < 8; ++k) word |= std::uint64_t{p_[k]} << (8 * k);
      buf_ |= word << cnt_;
      p_ += (63 - cnt_) >> 3;
      cnt_ |= 56;
      return;
    }
    while (cnt_ <= 56) {
      std::uint64_t byte = 0;
      if (p_ < end_) byte = *p_++;
      else ++fake_;
      buf_ |= byte << cnt_;
      cnt_ += 8;
    }
  }
  std::uint64_t bits(int n) {
    const std::uint64_t v = buf_ & ((std::uint64_t{1} << n) - 1);
    buf_ >>= n;
    cnt_ -= n;
    return v;
  }
  bool overrun() const { return fake_ * 8 > static_cast<std::size_t>(cnt_); }
  /// Drops the bits up to the next byte boundary and moves p_ to the first unread byte.
  bool alignToByte() {
    if (overrun()) return false;
    bits(cnt_ & 7);
    const std::size_t unread = static_cast<std::size_t>(cnt_ / 8);
    const std::size_t pos = static_cast<std::size_t>(p_ - in_) + fake_ - unread;
    if (pos > inSize_) return false;
    p_ = in_ + pos;
    fake_ = 0;
    buf_ = 0;
    cnt_ = 0;
    return true;
  }

  /// Builds a canonical code; false when over-subscribed, or incomplete and not `allowIncomplete`.
  static bool build(Code& c, const std::uint8_t* lengths, int n, bool allowIncomplete) {
    c.table.fill(0);
    c.count.fill(0);
    for (int s = 0; s < n; ++s) ++c.count[lengths[s]];
    c.count[0] = 0;
    int left = 1;
    for (int len = 1; len <= 15; ++len) {
      left = (left << 1) - c.count[len];
      if (left < 0) return false;
    }
    if (left > 0 && !allowIncomplete) return false;
    std::array<std::uint16_t, 16> offset{};
    for (int len = 1; len < 15; ++len) offset[len + 1] = static_cast<std::uint16_t>(offset[len] + c.count[len]);
    std::array<unsigned, 16> next{};
    unsigned code = 0;
    for (int len = 1; len <= 15; ++len) {
      code = (code + c.count[len - 1]) << 1;
      next[len] = code;
    }
    for (int s = 0; s < n; ++s) {
      const int len = lengths[s];
      if (len == 0) continue;
      c.symbols[offset[len]++] = static_cast<std::uint16_t>(s);
      const unsigned cd = next[len]++;
      if (len > kTableBits) continue;
      unsigned rev = 0;
      for (int i = 0; i < len; ++i) rev |= ((cd >> i) & 1u) << (len - 1 - i);
      const auto entry = static_cast<std::uint16_t>((s << 4) | len);
      for (unsigned k = rev; k < (1u << kTableBits); k += 1u << len) c.table[k] = entry;
    }
    return true;
  }

  /// Next symbol (needs >= 15 bits buffered); -1 when no code matches.
  int decode(const Code& c) {
    const std::uint16_t e = c.table[buf_ & ((1u << kTableBits) - 1)];
    if (e != 0) {
      bits(e & 15);
      return e >> 4;
    }
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= 15; ++len) {
      code |= static_cast<int>(bits(1));
      const int count = c.count[len];
      if (code - count < first) return c.symbols[static_cast<std::size_t>(index + (code - first))];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return -1;
  }

  bool storedBlock() {
    if (!alignToByte() || end_ - p_ < 4) return false;
    const unsigned len = p_[0] | (p_[1] << 8), nlen = p_[2] | (p_[3] << 8);
    if (len != (~nlen & 0xFFFFu)) return false;
    p_ += 4;
    if (static_cast<std::size_t>(end_ - p_) < len || static_cast<std::size_t>(outEnd_ - out_) < len) return false;
    std::memcpy(out_, p_, len);
    out_ += len;
    p_ += len;
    return true;
  }

  bool fixedBlock() {
    std::array<std::uint8_t, 288 + 30> lengths{};
    for (int s = 0; s < 144; ++s) lengths[s] = 8;
    for (int s = 144; s < 256; ++s) lengths[s] = 9;
    for (int s = 256; s < 280; ++s) lengths[s] = 7;
    for (int s = 280; s < 288; ++s) lengths[s] = 8;
    for (int s = 288; s < 318; ++s) lengths[s] = 5;
    if (!build(lit_, lengths.data(), 288, false) || !build(dist_, lengths.data() + 288, 30, true)) return false;
    return codes();
  }

  bool dynamicBlock() {
    static constexpr std::uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    const int nlen = static_cast<int>(bits(5)) + 257, ndist = static_cast<int>(bits(5)) + 1,
              ncode = static_cast<int>(bits(4)) + 4;
    if (nlen > 286 || ndist > 30) return false;
    std::array<std::uint8_t, 19> clens{};
    refill();
    for (int i = 0; i < ncode; ++i) clens[order[i]] = static_cast<std::uint8_t>(bits(3));
    Code lencode;
    if (!build(lencode, clens.data(), 19, false)) return false;
    std::array<std::uint8_t, 320> lengths{};
    for (int i = 0; i < nlen + ndist;) {
      refill();
      const int sym = decode(lencode);
      if (sym < 0) return false;
      if (sym < 16) {
        lengths[static_cast<std::size_t>(i++)] = static_cast<std::uint8_t>(sym);
        continue;
      }
      std::uint8_t value = 0;
      int repeat = 0;
      if (sym == 16) {
        if (i == 0) return false;
        value = lengths[static_cast<std::size_t>(i - 1)];
        repeat = 3 + static_cast<int>(bits(2));
      } else if (sym == 17) {
        repeat = 3 + static_cast<int>(bits(3));
      } else {
        repeat = 11 + static_cast<int>(bits(7));
      }
      if (i + repeat > nlen + ndist) return false;
      while (repeat--) lengths[static_cast<std::size_t>(i++)] = value;
    }
    if (lengths[256] == 0) return false;
    if (!build(lit_, lengths.data(), nlen, false) || !build(dist_, lengths.data() + nlen, ndist, false)) return false;
    return codes();
  }

  bool codes() {
    static constexpr std::uint16_t lbase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                                31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    static constexpr std::uint8_t lextra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                                2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    static constexpr std::uint16_t dbase[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,
                                                33,  49,  65,  97,  129, 193,  257,  385,  513,  769,
                                                1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    static constexpr std::uint8_t dextra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6,
                                                6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
    for (;;) {
      refill();
      if (fake_ > 16) return false;  // ran far past the input: corrupt
      const int sym = decode(lit_);
      if (sym < 0) return false;
      if (sym < 256) {
        if (out_ == outEnd_) return false;
        *out_++ = static_cast<unsigned char>(sym);
        continue;
      }
      if (sym == 256) return true;
      const int li = sym - 257;
      if (li >= 29) return false;
      const std::size_t len = lbase[li] + static_cast<std::size_t>(bits(lextra[li]));
      const int ds = decode(dist_);
      if (ds < 0 || ds >= 30) return false;
      const std::size_t dist = dbase[ds] + static_cast<std::size_t>(bits(dextra[ds]));
      if (dist > static_cast<std::size_t>(out_ - outStart_) || len > static_cast<std::size_t>(outEnd_ - out_))
        return false;
      unsigned char* from = out_ - dist;
      if (dist >= len) {
        std::memcpy(out_, from, len);
      } else if (dist == 1) {
        std::memset(out_, *from, len);
      } else {
        // Periodic with period dist: copy from `from` in non-overlapping, doubling pieces.
        std::size_t done = 0;
        while (done < len) {
          const std::size_t piece = std::min(static_cast<std::size_t>(out_ + done - from), len - done);
          std::memcpy(out_ + done, from, piece);
          done += piece;
        }
      }
      out_ += len;
    }
  }

  /// Adler-32 that adds runs of zero bytes in one step (they leave `a` unchanged, `b += a` each).
  static std::uint32_t adler32Of(const unsigned char* data, std::size_t size) {
    constexpr std::uint64_t kMod = 65521;
    std::uint64_t a = 1, b = 0;
    while (size > 0) {
      const std::size_t block = std::min<std::size_t>(size, 4096);
      std::size_t i = 0;
      for (; i + 8 <= block; i += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, data + i, 8);
        if (word == 0) {
          b += 8 * a;
          continue;
        }
        for (std::size_t k = 0; k < 8; ++k) {
          a += data[i + k];
          b += a;
        }
      }
      for (; i < block; ++i) {
        a += data[i];
        b += a;
      }
      a %= kMod;
      b %= kMod;
      data += block;
      size -= block;
    }
    return static_cast<std::uint32_t>((b << 16) | a);
  }
};

void inflateInto(const unsigned char* in, std::size_t inSize, void* out, std::size_t size, const std::string& dataset) {
  if (FastInflater(in, inSize, static_cast<unsigned char*>(out), size).run()) return;
  uLongf produced = static_cast<uLongf>(size);
  const int rc = uncompress(static_cast<Bytef*>(out), &produced, in, static_cast<uLong>(inSize));
  if (rc != Z_OK) throw ShardFailure("dataset " + dataset + ": corrupt deflate stream (zlib error " + std::to_string(rc) + ")");
  if (produced != size)
    throw ShardFailure("dataset " + dataset + ": decoded " + std::to_string(produced) + " bytes, expected " +
                       std::to_string(size));
}

struct EncodedScan {
  EncodedChunk image;  // uint16, little endian
  EncodedChunk lobes;  // uint8
};

std::string validId(const std::string& id) {
  if (id.empty() || id == "." || id == ".." || id.find('/') != std::string::npos || id.find('\0') != std::string::npos)
    throw InputError("invalid scan id '" + id + "' (must be non-empty, without '/')");
  return id;
}

/// Checks one scan and converts its image to uint16 and compresses both volumes.
EncodedScan encodeScan(const PreprocessedScan& s, int level) {
  validId(s.scanId);
  for (const auto g : s.grid)
    if (g <= 0) throw InputError("scan '" + s.scanId + "': grid must be positive");
  const std::size_t n = static_cast<std::size_t>(s.grid[0]) * static_cast<std::size_t>(s.grid[1]) *
                        static_cast<std::size_t>(s.grid[2]);
  if (s.image.size() != n)
    throw InputError("scan '" + s.scanId + "': image has " + std::to_string(s.image.size()) + " voxels, grid needs " +
                     std::to_string(n));
  if (s.lobes.size() != n)
    throw InputError("scan '" + s.scanId + "': lobe map has " + std::to_string(s.lobes.size()) + " voxels, grid needs " +
                     std::to_string(n));
  if (n * sizeof(std::uint16_t) > 0xFFFFFFF0ull)
    throw InputError("scan '" + s.scanId + "': grid too large for one HDF5 chunk (4 GiB)");
  for (const std::string* text : {&s.patientId, &s.site, &s.preset, &s.labelConvention, &s.imageSha256, &s.lobesSha256})
    if (text->find('\0') != std::string::npos) throw InputError("scan '" + s.scanId + "': text field contains a NUL byte");

  std::vector<std::uint16_t> quantised(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float v = s.image[i];
    if (!std::isfinite(v))
      throw InputError("scan '" + s.scanId + "': image voxel " + std::to_string(i) + " is not finite");
    quantised[i] = static_cast<std::uint16_t>(std::lround(std::clamp(static_cast<double>(v), 0.0, 1.0) * 65535.0));
  }
  if (!littleEndianHost())
    for (auto& q : quantised) q = static_cast<std::uint16_t>((q >> 8) | (q << 8));
  for (std::size_t i = 0; i < n; ++i)
    if (s.lobes[i] > kCanonicalLabelCount)
      throw InputError("scan '" + s.scanId + "': lobe map value " + std::to_string(s.lobes[i]) + " at voxel " +
                       std::to_string(i) + " is not a canonical label 0..7");
  EncodedScan e;
  e.image = deflateBytes(quantised.data(), n * sizeof(std::uint16_t), level);
  e.lobes = deflateBytes(s.lobes.data(), n, level);
  return e;
}

// ---------------------------------------------------------------------------------------------
// Writing (under the lock)

void writeVolume(hid_t group, const char* name, hid_t fileType, const std::array<std::int64_t, 3>& grid,
                 const EncodedChunk& chunk, int level) {
  const hsize_t dims[3] = {static_cast<hsize_t>(grid[2]), static_cast<hsize_t>(grid[1]), static_cast<hsize_t>(grid[0])};
  const Hid space(H5Screate_simple(3, dims, nullptr), H5Sclose, "cannot create dataspace");
  const Hid dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "cannot create dataset creation property list");
  check(H5Pset_chunk(dcpl.get(), 3, dims), "cannot set chunking");
  if (level > 0) check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(level)), "cannot set deflate");
  check(H5Pset_obj_track_times(dcpl.get(), 0), "cannot disable time tracking");
  check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), "cannot set fill time");
  const Hid dset(H5Dcreate2(group, name, fileType, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose,
                 std::string("cannot create dataset ") + name);
  const hsize_t offset[3] = {0, 0, 0};
  // Both the deflated stream (filter mask 0: deflate applied) and the raw little-endian bytes of an
  // unfiltered dataset are exactly what HDF5 stores for the chunk.
  check(H5Dwrite_chunk(dset.get(), H5P_DEFAULT, 0u, offset, chunk.bytes.size(), chunk.bytes.data()),
        std::string("cannot write dataset ") + name);
}

void writeScanGroup(hid_t scans, const PreprocessedScan& s, const EncodedScan& e, int level) {
  const Hid gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "cannot create group creation property list");
  check(H5Pset_obj_track_times(gcpl.get(), 0), "cannot disable time tracking");
  const Hid group(H5Gcreate2(scans, s.scanId.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
                  "cannot create group /scans/" + s.scanId);
  writeVolume(group.get(), "image", H5T_STD_U16LE, s.grid, e.image, level);
  writeVolume(group.get(), "lobes", H5T_STD_U8LE, s.grid, e.lobes, level);
  const hid_t g = group.get();
  writeStringAttr(g, "patient_id", s.patientId);
  writeIntAttr(g, "label", s.label);
  writeStringAttr(g, "site", s.site);
  writeStringAttr(g, "preset", s.preset);
  writeDoubleAttr(g, "window_low", s.windowLow);
  writeDoubleAttr(g, "window_high", s.windowHigh);
  writeStringAttr(g, "label_convention", s.labelConvention);
  writeIntAttr(g, "lobes_absent", s.lobesAbsent ? 1 : 0);
  writeStringAttr(g, "image_sha256", s.imageSha256);
  writeStringAttr(g, "lobes_sha256", s.lobesSha256);
  writeArrayAttr(g, "region_voxels_1mm", s.regionVoxels1mm);
  writeArrayAttr(g, "region_voxels_grid", s.regionVoxelsGrid);
  writeGeometry(g, "source", s.sourceGeometry);
  writeGeometry(g, "iso", s.isoGeometry);
  writeArrayAttr(g, "box", s.box);
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Per-thread buffers reused from scan to scan. They grow to the largest scan the thread has read
/// and are not zero-filled again, which spares a fresh allocation (and its page faults) per scan;
/// the cost is about 2.5 bytes per model-grid voxel kept per reading thread.
struct ReadScratch {
  std::vector<unsigned char> image;
  std::vector<unsigned char> lobes;
  std::vector<std::uint16_t> values;
};

ReadScratch& readScratch() {
  thread_local ReadScratch scratch;
  return scratch;
}

template <class T>
T* atLeast(std::vector<T>& buffer, std::size_t n) {
  if (buffer.size() < n) buffer.resize(n);
  return buffer.data();
}

/// One dataset as fetched under the lock: either the chunk's deflate stream (decoded later,
/// outside the lock) or the already decoded native values, in the first `size` bytes of `buffer`.
struct FetchedVolume {
  const std::vector<unsigned char>* buffer = nullptr;
  std::size_t size = 0;
  bool deflated = false;
  std::array<hsize_t, 3> dims{};
  const unsigned char* data() const { return buffer->data(); }
};

FetchedVolume fetchVolume(hid_t group, const char* name, hid_t leType, hid_t nativeType, std::size_t elementSize,
                          std::vector<unsigned char>& buffer) {
  if (!linkExists(group, name)) throw ShardFailure(std::string("dataset '") + name + "' is missing");
  const Hid dset(H5Dopen2(group, name, H5P_DEFAULT), H5Dclose, std::string("cannot open dataset ") + name);
  const Hid space(H5Dget_space(dset.get()), H5Sclose, std::string("cannot read dataset ") + name);
  if (H5Sget_simple_extent_ndims(space.get()) != 3) throw ShardFailure(std::string("dataset '") + name + "' is not 3-D");
  FetchedVolume out;
  out.buffer = &buffer;
  check(H5Sget_simple_extent_dims(space.get(), out.dims.data(), nullptr), std::string("cannot read dataset ") + name);
  const std::size_t count = static_cast<std::size_t>(out.dims[0] * out.dims[1] * out.dims[2]);
  if (count == 0) throw ShardFailure(std::string("dataset '") + name + "' is empty");
  const std::size_t expectedBytes = count * elementSize;

  const Hid type(H5Dget_type(dset.get()), H5Tclose, std::string("cannot read dataset ") + name);
  const Hid dcpl(H5Dget_create_plist(dset.get()), H5Pclose, std::string("cannot read dataset ") + name);
  bool direct = littleEndianHost() && H5Tequal(type.get(), leType) > 0 && H5Pget_layout(dcpl.get()) == H5D_CHUNKED;
  if (direct) {
    hsize_t chunk[3] = {0, 0, 0};
    direct = H5Pget_chunk(dcpl.get(), 3, chunk) == 3 && chunk[0] == out.dims[0] && chunk[1] == out.dims[1] &&
             chunk[2] == out.dims[2];
  }
  if (direct) {
    // Only a pipeline of exactly one deflate filter is decoded here.
    direct = false;
    if (H5Pget_nfilters(dcpl.get()) == 1) {
      unsigned flags = 0;
      std::size_t nValues = 0;
      const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), 0, &flags, &nValues, nullptr, 0, nullptr, nullptr);
      direct = id == H5Z_FILTER_DEFLATE;
    }
  }
  if (direct) {
    const hsize_t offset[3] = {0, 0, 0};
    hsize_t stored = 0;
    check(H5Dget_chunk_storage_size(dset.get(), offset, &stored), std::string("cannot read dataset ") + name);
    if (stored == 0) throw ShardFailure(std::string("dataset '") + name + "' has no data");
    out.size = static_cast<std::size_t>(stored);
    std::uint32_t mask = 0;
    check(H5Dread_chunk(dset.get(), H5P_DEFAULT, offset, &mask, atLeast(buffer, out.size)),
          std::string("cannot read dataset ") + name);
    if ((mask & 1u) == 0) {
      out.deflated = true;
      return out;
    }
    // The optional deflate filter was skipped for this chunk: the stored bytes are the values.
    if (out.size == expectedBytes) return out;
  }
  out.size = expectedBytes;
  check(H5Dread(dset.get(), nativeType, H5S_ALL, H5S_ALL, H5P_DEFAULT, atLeast(buffer, out.size)),
        std::string("cannot read dataset ") + name);
  return out;
}

struct FileAndScans {
  Hid file;
  Hid scans;
};

FileAndScans openShard(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw ShardFailure("no such file");
  FileAndScans f;
  const Hid fapl = fileAccessList();
  f.file = Hid(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose, "cannot open as HDF5");
  if (!linkExists(f.file.get(), "scans")) throw ShardFailure("group /scans is missing");
  f.scans = Hid(H5Gopen2(f.file.get(), "scans", H5P_DEFAULT), H5Gclose, "cannot open group /scans");
  return f;
}

herr_t collectLinkName(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

std::vector<std::string> listScans(hid_t scans) {
  const Hid gcpl(H5Gget_create_plist(scans), H5Pclose, "cannot read group /scans");
  unsigned order = 0;
  check(H5Pget_link_creation_order(gcpl.get(), &order), "cannot read group /scans");
  const H5_index_t index = (order & H5P_CRT_ORDER_INDEXED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  std::vector<std::string> ids;
  hsize_t idx = 0;
  check(H5Literate(scans, index, H5_ITER_INC, &idx, collectLinkName, &ids), "cannot list group /scans");
  return ids;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string hdf5LibraryInfo() {
  Hdf5Lock lock;
  unsigned major = 0, minor = 0, release = 0;
  hbool_t threadSafe = 0;
  H5get_libversion(&major, &minor, &release);
  H5is_library_threadsafe(&threadSafe);
  return "HDF5 " + std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release) +
         (threadSafe ? " (thread-safe build)" : " (not thread-safe)");
}

void writeShard(const fs::path& path, const std::vector<PreprocessedScan>& scans, const std::string& fingerprint,
                int compression) {
  const std::string where = "cannot write shard '" + path.string() + "': ";
  if (compression < 0 || compression > 9)
    throw InputError(where + "compression level " + std::to_string(compression) + " is not in 0..9");
  if (fingerprint.find('\0') != std::string::npos) throw InputError(where + "fingerprint contains a NUL byte");
  if (scans.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) throw InputError(where + "too many scans");

  // Checks, quantisation and compression: no HDF5, no lock, so shards can be written in parallel.
  std::vector<EncodedScan> encoded;
  encoded.reserve(scans.size());
  std::set<std::string> seen;
  try {
    for (const auto& s : scans) {
      if (!seen.insert(s.scanId).second) throw InputError("scan id '" + s.scanId + "' appears twice");
      encoded.push_back(encodeScan(s, compression));
    }
  } catch (const std::exception& e) {
    throw InputError(where + e.what());
  }

  if (path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw InputError(where + "cannot create directory '" + path.parent_path().string() + "': " + ec.message());
  }
  const fs::path tmp = temporaryPathFor(path);
  auto removeTmp = [&] {
    std::error_code ec;
    fs::remove(tmp, ec);
  };
  try {
    Hdf5Lock lock;
    const Hid fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "cannot create file creation property list");
    check(H5Pset_obj_track_times(fcpl.get(), 0), "cannot disable time tracking");  // the root group
    const Hid fapl = fileAccessList();
    Hid file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose,
             "cannot create '" + tmp.string() + "'");
    writeIntAttr(file.get(), "schema_version", kShardSchemaVersion);
    writeStringAttr(file.get(), "fingerprint", fingerprint);
    writeIntAttr(file.get(), "scan_count", static_cast<int>(scans.size()));
    {
      const Hid gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "cannot create group creation property list");
      check(H5Pset_obj_track_times(gcpl.get(), 0), "cannot disable time tracking");
      check(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
            "cannot track creation order");
      const Hid group(H5Gcreate2(file.get(), "scans", H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
                      "cannot create group /scans");
      for (std::size_t i = 0; i < scans.size(); ++i) {
        try {
          writeScanGroup(group.get(), scans[i], encoded[i], compression);
        } catch (const ShardFailure& e) {
          throw ShardFailure("scan '" + scans[i].scanId + "': " + e.what());
        }
      }
    }
    writeIntAttr(file.get(), "complete", 1);  // last: a shard without it is unfinished
    file.close("cannot close (flush) the file");
  } catch (const std::exception& e) {
    removeTmp();
    throw InputError(where + e.what());
  }
  try {
    commitTemporary(tmp, path);
  } catch (const std::exception& e) {
    removeTmp();
    throw InputError(where + e.what());
  }
}

bool shardIsComplete(const fs::path& path, const std::string& fingerprint) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  try {
    Hdf5Lock lock;
    const Hid fapl = fileAccessList();
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
    if (id < 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    const Hid file(id, H5Fclose, "");
    const hid_t f = file.get();
    if (H5Aexists(f, "schema_version") <= 0 || readIntAttr(f, "schema_version") != kShardSchemaVersion) return false;
    if (H5Aexists(f, "complete") <= 0 || readIntAttr(f, "complete") != 1) return false;
    if (H5Aexists(f, "fingerprint") <= 0 || readStringAttr(f, "fingerprint") != fingerprint) return false;
    if (H5Aexists(f, "scan_count") <= 0) return false;
    const int count = readIntAttr(f, "scan_count");
    if (!linkExists(f, "scans")) return false;
    const Hid scans(H5Gopen2(f, "scans", H5P_DEFAULT), H5Gclose, "cannot open group /scans");
    H5G_info_t info;
    if (H5Gget_info(scans.get(), &info) < 0) return false;
    H5Eclear2(H5E_DEFAULT);
    return count >= 0 && info.nlinks == static_cast<hsize_t>(count);
  } catch (...) {
    H5Eclear2(H5E_DEFAULT);
    return false;
  }
}

std::vector<std::string> shardScanIds(const fs::path& path) {
  try {
    Hdf5Lock lock;
    const FileAndScans f = openShard(path);
    return listScans(f.scans.get());
  } catch (const std::exception& e) {
    throw InputError("cannot list the scans of shard '" + path.string() + "': " + e.what());
  }
}

PreprocessedScan readScan(const fs::path& shard, const std::string& scanId) {
  const std::string where = "shard '" + shard.string() + "', scan '" + scanId + "': ";
  PreprocessedScan s;
  ReadScratch& scratch = readScratch();
  FetchedVolume image;
  FetchedVolume lobes;
  try {
    Hdf5Lock lock;
    const FileAndScans f = openShard(shard);
    const bool plainName = !scanId.empty() && scanId.find('/') == std::string::npos && scanId != "." && scanId != "..";
    if (!plainName || !linkExists(f.scans.get(), scanId.c_str())) throw ShardFailure("no such scan in this shard");
    const Hid group(H5Gopen2(f.scans.get(), scanId.c_str(), H5P_DEFAULT), H5Gclose, "cannot open the scan group");
    const hid_t g = group.get();
    s.scanId = scanId;
    s.patientId = readStringAttr(g, "patient_id");
    s.label = readIntAttr(g, "label");
    s.site = readStringAttr(g, "site");
    s.preset = readStringAttr(g, "preset");
    s.windowLow = readDoubleAttr(g, "window_low");
    s.windowHigh = readDoubleAttr(g, "window_high");
    s.labelConvention = readStringAttr(g, "label_convention");
    s.lobesAbsent = readIntAttr(g, "lobes_absent") != 0;
    s.imageSha256 = readStringAttr(g, "image_sha256");
    s.lobesSha256 = readStringAttr(g, "lobes_sha256");
    readArrayAttr(g, "region_voxels_1mm", s.regionVoxels1mm);
    readArrayAttr(g, "region_voxels_grid", s.regionVoxelsGrid);
    s.sourceGeometry = readGeometry(g, "source");
    s.isoGeometry = readGeometry(g, "iso");
    readArrayAttr(g, "box", s.box);
    image = fetchVolume(g, "image", H5T_STD_U16LE, H5T_NATIVE_UINT16, sizeof(std::uint16_t), scratch.image);
    lobes = fetchVolume(g, "lobes", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, scratch.lobes);
  } catch (const std::exception& e) {
    throw InputError(where + e.what());
  }

  // Decoding and conversion run without the lock, so several readers decode in parallel.
  try {
    if (image.dims != lobes.dims) throw ShardFailure("image and lobe map have different dimensions");
    s.grid = {static_cast<std::int64_t>(image.dims[2]), static_cast<std::int64_t>(image.dims[1]),
              static_cast<std::int64_t>(image.dims[0])};
    const std::size_t n = static_cast<std::size_t>(image.dims[0] * image.dims[1] * image.dims[2]);
    std::uint16_t* values = atLeast(scratch.values, n);
    if (image.deflated) {
      inflateInto(image.data(), image.size, values, n * sizeof(std::uint16_t), "image");  // little-endian values
      if (!littleEndianHost())
        for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<std::uint16_t>((values[i] >> 8) | (values[i] << 8));
    } else {
      std::memcpy(values, image.data(), n * sizeof(std::uint16_t));  // native values
    }
    s.image.resize(n);
    for (std::size_t i = 0; i < n; ++i) s.image[i] = static_cast<float>(values[i]) / 65535.0f;

    s.lobes.resize(n);
    if (lobes.deflated)
      inflateInto(lobes.data(), lobes.size, s.lobes.data(), n, "lobes");
    else
      std::memcpy(s.lobes.data(), lobes.data(), n);
    std::uint8_t maxLabel = 0;
    for (const auto v : s.lobes) maxLabel = std::max(maxLabel, v);
    if (maxLabel > kCanonicalLabelCount)
      throw ShardFailure("lobe map holds value " + std::to_string(maxLabel) + ", not a canonical label 0..7");
  } catch (const std::exception& e) {
    throw InputError(where + e.what());
  }
  return s;
}

}  // namespace ren::preprocess
