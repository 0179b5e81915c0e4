// Image files read through ITK (NIfTI, NRRD, MetaImage, DICOM series) into RAS+ volumes,
// reorientation to RAS and geometry comparison. See ren/io/ImageFile.h for the contract.
#include "ren/io/ImageFile.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#include <zlib.h>

#include "itkGDCMImageIO.h"
#include "itkGDCMImageIOFactory.h"
#include "itkGDCMSeriesFileNames.h"
#include "itkImage.h"
#include "itkImageFileReader.h"
#include "itkImageIOBase.h"
#include "itkImageIOFactory.h"
#include "itkImageSeriesReader.h"
#include "itkMetaDataObject.h"
#include "itkMetaImageIO.h"
#include "itkMetaImageIOFactory.h"
#include "itkNiftiImageIOFactory.h"
#include "itkNrrdImageIOFactory.h"
#include "ren/core/Error.h"
#include "ren/core/Sha256.h"

namespace ren::io {
namespace fs = std::filesystem;

namespace {

// ---- ITK set-up and error translation ----

void registerFactories() {
  static std::once_flag once;
  std::call_once(once, [] {
    itk::NiftiImageIOFactory::RegisterOneFactory();
    itk::NrrdImageIOFactory::RegisterOneFactory();
    itk::MetaImageIOFactory::RegisterOneFactory();
    itk::GDCMImageIOFactory::RegisterOneFactory();
  });
}

// ITK's description cut to its first line (plus the next one when the first ends with ':', as in
// "Error reading FILE:" followed by the cause), at most 300 characters.
std::string firstLine(const std::string& text) {
  auto lineAt = [&](std::size_t from, std::size_t& next) {
    const std::size_t begin = text.find_first_not_of(" \t\r\n", from);
    if (begin == std::string::npos) {
      next = std::string::npos;
      return std::string();
    }
    const std::size_t end = text.find_first_of("\r\n", begin);
    next = end;
    std::string line = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    return line;
  };
  std::size_t next = 0;
  std::string line = lineAt(0, next);
  if (line.empty()) return "unknown ITK error";
  if (line.back() == ':' && next != std::string::npos) {
    const std::string more = lineAt(next, next);
    if (!more.empty()) line += " " + more;
  }
  constexpr std::size_t kMaxLen = 300;
  if (line.size() > kMaxLen) line = line.substr(0, kMaxLen) + "...";
  return line;
}

[[noreturn]] void fail(const fs::path& path, const std::string& problem) {
  throw InputError("image '" + path.string() + "': " + problem);
}

[[noreturn]] void failItk(const fs::path& path, const itk::ExceptionObject& e) {
  const char* description = e.GetDescription();
  fail(path, "ITK could not read it: " + firstLine(description != nullptr ? description : ""));
}

std::string numberText(double v) {
  std::ostringstream s;
  s.precision(10);
  s << v;
  return s.str();
}

// ---- ITK image → RAS volume ----

// Copies the first three axes of an ITK image (all further axes have size 1) and converts its LPS+
// geometry to RAS+.
template <class Pixel, unsigned Dim>
Volume<Pixel> toVolume(const itk::Image<Pixel, Dim>& image) {
  static_assert(Dim >= 3, "a 3D image is needed");
  const auto region = image.GetBufferedRegion();
  const auto& spacing = image.GetSpacing();
  const auto& origin = image.GetOrigin();
  const auto& direction = image.GetDirection();
  VolumeGeometry g;
  for (unsigned a = 0; a < 3; ++a) {
    g.size[a] = static_cast<std::int64_t>(region.GetSize(a));
    g.spacing[a] = spacing[a];
  }
  const double flip[3] = {-1.0, -1.0, 1.0};  // LPS+ → RAS+
  for (unsigned r = 0; r < 3; ++r) {
    g.origin[r] = flip[r] * origin[r];
    for (unsigned c = 0; c < 3; ++c) g.direction[3 * r + c] = flip[r] * direction[r][c];
  }
  Volume<Pixel> v;
  v.geometry = g;
  const Pixel* buffer = image.GetBufferPointer();
  v.voxels.assign(buffer, buffer + g.voxelCount());
  return v;
}

// ---- truncated files ----
// ITK's NIfTI and MetaImage readers accept a file whose voxel data is cut short (even a truncated
// .nii.gz) and fill the missing part silently; NRRD fails on its own. These checks compare the
// (decompressed) size with what the header describes; a .nii.gz is decompressed once more for it
// (zlib also verifies its CRC).

std::string readPrefix(const fs::path& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(n, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(n));
  bytes.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return bytes;
}

[[noreturn]] void failTruncated(const fs::path& path, std::uintmax_t actual, std::uintmax_t expected) {
  fail(path, "file is truncated: " + std::to_string(actual) + " bytes, the header describes " +
                 std::to_string(expected));
}

// Bytes a single-file NIfTI-1 ("n+1") needs according to its header: vox_offset + voxel data;
// 0 when the header is not one this check understands.
std::uintmax_t niftiNeededBytes(const std::string& h) {
  if (h.size() < 348 || std::memcmp(h.data() + 344, "n+1", 4) != 0) return 0;
  auto raw = [&](std::size_t offset, std::size_t n, bool big) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(h[offset + (big ? n - 1 - i : i)])) << (8 * i);
    }
    return v;
  };
  bool big = false;
  if (raw(0, 4, false) != 348) {
    if (raw(0, 4, true) != 348) return 0;
    big = true;
  }
  const auto dim0 = static_cast<std::int16_t>(raw(40, 2, big));
  const auto bitpix = static_cast<std::int16_t>(raw(72, 2, big));
  const auto offsetBits = static_cast<std::uint32_t>(raw(108, 4, big));
  float voxOffset = 0.0f;
  std::memcpy(&voxOffset, &offsetBits, sizeof voxOffset);
  if (dim0 < 1 || dim0 > 7 || bitpix <= 0 || !(voxOffset >= 0.0f && voxOffset < 1e12f)) return 0;
  std::uintmax_t bits = static_cast<std::uintmax_t>(bitpix);
  for (int d = 1; d <= dim0; ++d) {
    const auto n = static_cast<std::int16_t>(raw(40 + 2 * static_cast<std::size_t>(d), 2, big));
    if (n <= 0) return 0;
    bits *= static_cast<std::uintmax_t>(n);
  }
  return static_cast<std::uintmax_t>(voxOffset) + (bits + 7) / 8;
}

// Decompresses a gzip file (concatenated members allowed) without keeping the data: returns its
// first `keep` bytes and the total decompressed size. zlib verifies each member's CRC and length.
std::string gunzipPrefix(const fs::path& path, std::size_t keep, std::uintmax_t& total) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open file");
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) fail(path, "zlib initialisation failed");
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  std::vector<unsigned char> input(kChunk), output(kChunk);
  std::string prefix;
  total = 0;
  int rc = Z_OK;
  bool inMember = false;  // inside a gzip member that has not ended yet
  std::string problem;
  while (problem.empty()) {
    if (zs.avail_in == 0) {
      in.read(reinterpret_cast<char*>(input.data()), static_cast<std::streamsize>(input.size()));
      const auto got = static_cast<uInt>(std::max<std::streamsize>(in.gcount(), 0));
      if (got == 0) break;
      zs.next_in = input.data();
      zs.avail_in = got;
    }
    if (!inMember && rc == Z_STREAM_END) inflateReset(&zs);
    inMember = true;
    zs.next_out = output.data();
    zs.avail_out = static_cast<uInt>(output.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    const std::size_t produced = output.size() - zs.avail_out;
    if (prefix.size() < keep) {
      prefix.append(reinterpret_cast<const char*>(output.data()), std::min(produced, keep - prefix.size()));
    }
    total += produced;
    if (rc == Z_STREAM_END) {
      inMember = false;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      problem = zs.msg != nullptr ? zs.msg : "zlib error " + std::to_string(rc);
    }
  }
  inflateEnd(&zs);
  if (problem.empty() && inMember) problem = "unexpected end of file";
  if (!problem.empty()) fail(path, "compressed data is corrupt or truncated (" + problem + ")");
  return prefix;
}

// Single-file NIfTI-1, plain or gzip-compressed.
void checkNiftiSize(const fs::path& path) {
  const std::string magic = readPrefix(path, 2);
  if (magic.size() == 2 && static_cast<unsigned char>(magic[0]) == 0x1f && static_cast<unsigned char>(magic[1]) == 0x8b) {
    std::uintmax_t total = 0;
    const std::uintmax_t expected = niftiNeededBytes(gunzipPrefix(path, 352, total));
    if (expected > 0 && total < expected) {
      fail(path, "decompressed data is truncated: " + std::to_string(total) + " bytes, the header describes " +
                     std::to_string(expected));
    }
    return;
  }
  const std::uintmax_t expected = niftiNeededBytes(readPrefix(path, 352));
  std::error_code ec;
  const std::uintmax_t actual = fs::file_size(path, ec);
  if (expected > 0 && !ec && actual < expected) failTruncated(path, actual, expected);
}

// MetaImage with binary data in the header file (LOCAL) or in one data file; for compressed data
// the size is the header's CompressedDataSize (skipped when the header has none).
void checkMetaImageSize(const fs::path& path, itk::MetaImageIO& io) {
  const MetaImage* meta = io.GetMetaImagePointer();
  if (meta == nullptr || !meta->BinaryData()) return;
  const std::string head = readPrefix(path, 1 << 16);
  std::uintmax_t bytes = io.GetImageSizeInBytes();
  if (meta->CompressedData()) {
    const std::size_t key = head.find("CompressedDataSize");
    const std::size_t eq = key == std::string::npos ? std::string::npos : head.find('=', key);
    if (eq == std::string::npos) return;
    char* endp = nullptr;
    const unsigned long long n = std::strtoull(head.c_str() + eq + 1, &endp, 10);
    if (endp == head.c_str() + eq + 1 || n == 0) return;
    bytes = n;
  }
  std::string dataName = meta->ElementDataFileName();
  std::string upper = dataName;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::error_code ec;
  if (upper == "LOCAL") {
    // The data follows the line "ElementDataFile = LOCAL", the last header line.
    const std::size_t key = head.rfind("ElementDataFile");
    const std::size_t eol = key == std::string::npos ? std::string::npos : head.find('\n', key);
    if (eol == std::string::npos) return;
    const std::uintmax_t expected = eol + 1 + bytes;
    const std::uintmax_t actual = fs::file_size(path, ec);
    if (!ec && actual < expected) failTruncated(path, actual, expected);
    return;
  }
  if (dataName.empty() || upper.rfind("LIST", 0) == 0 || dataName.find('%') != std::string::npos) return;
  fs::path dataPath(dataName);
  if (dataPath.is_relative()) dataPath = path.parent_path() / dataPath;
  const std::uintmax_t expected =
      (meta->CompressedData() ? 0 : static_cast<std::uintmax_t>(std::max(meta->HeaderSize(), 0))) + bytes;
  const std::uintmax_t actual = fs::file_size(dataPath, ec);
  if (!ec && actual < expected) {
    fail(path, "data file '" + dataPath.string() + "' is truncated: " + std::to_string(actual) +
                   " bytes, the header describes " + std::to_string(expected));
  }
}

// DICOM Part-10 files: GDCM reads a file whose pixel data is cut short without an error. This walk
// over the data elements (little-endian transfer syntaxes; explicit or implicit VR; sequences and
// encapsulated pixel data of undefined length) reports a file that provably ends too early: an
// element, item or the pixel data running past the end of the file. Anything it does not
// understand (no "DICM" preamble, big-endian or deflated syntax, tags out of order) is not judged.
class DicomTruncationCheck {
 public:
  explicit DicomTruncationCheck(const fs::path& file) : in_(file, std::ios::binary) {
    std::error_code ec;
    size_ = fs::file_size(file, ec);
    if (ec || !in_) size_ = 0;
  }

  // Empty when the file looks complete (or cannot be judged), else the problem.
  std::string problem() {
    unsigned char pre[4];
    if (size_ < 132 || !read(128, pre, 4) || std::memcmp(pre, "DICM", 4) != 0) return {};
    // File meta information: group 0002, explicit VR little endian.
    std::uint64_t pos = 132;
    std::string syntax;
    for (;;) {
      unsigned char h[12];
      if (pos + 8 > size_) return pos == size_ ? std::string() : "ends inside the file meta information";
      if (!read(pos, h, 8)) return {};
      if (le16(h) != 0x0002) break;
      if (!isUpper(h[4]) || !isUpper(h[5])) return {};
      std::uint64_t header = 8, length = le16(h + 6);
      if (longVr(h[4], h[5])) {
        if (pos + 12 > size_ || !read(pos, h, 12)) return "ends inside the file meta information";
        header = 12;
        length = le32(h + 8);
      }
      if (pos + header + length > size_) return "ends inside the file meta information";
      if (le16(h + 2) == 0x0010 && length < 256) {
        std::string value(static_cast<std::size_t>(length), '\0');
        if (!read(pos + header, value.data(), value.size())) return {};
        while (!value.empty() && (value.back() == '\0' || value.back() == ' ')) value.pop_back();
        syntax = value;
      }
      pos += header + length;
    }
    if (syntax == "1.2.840.10008.1.2.2" || syntax == "1.2.840.10008.1.2.1.99") return {};  // big endian, deflated
    return walk(pos, syntax != "1.2.840.10008.1.2", false, 0).problem;
  }

 private:
  struct Step {
    bool ok = true;       // false: structure not understood (stop judging)
    std::uint64_t end = 0;
    std::string problem;  // non-empty: provably truncated
  };

  static std::uint32_t le16(const unsigned char* p) { return static_cast<std::uint32_t>(p[0] | (p[1] << 8)); }
  static std::uint64_t le32(const unsigned char* p) {
    return static_cast<std::uint64_t>(p[0]) | (static_cast<std::uint64_t>(p[1]) << 8) |
           (static_cast<std::uint64_t>(p[2]) << 16) | (static_cast<std::uint64_t>(p[3]) << 24);
  }
  static bool isUpper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
  static bool longVr(unsigned char a, unsigned char b) {
    static const char* const kLong[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"};
    for (const char* vr : kLong) {
      if (a == static_cast<unsigned char>(vr[0]) && b == static_cast<unsigned char>(vr[1])) return true;
    }
    return false;
  }
  static std::string tagText(std::uint32_t group, std::uint32_t element) {
    char text[16];
    std::snprintf(text, sizeof text, "(%04X,%04X)", group, element);
    return text;
  }
  bool read(std::uint64_t pos, void* dst, std::size_t n) {
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(pos));
    in_.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
    return static_cast<std::size_t>(in_.gcount()) == n;
  }
  static Step truncated(const std::string& what) { return Step{true, 0, what}; }
  static Step unknown() { return Step{false, 0, {}}; }

  // Walks the data elements from `pos`: at top level up to the pixel data or the end of the file;
  // inside an item of undefined length up to its item delimiter.
  Step walk(std::uint64_t pos, bool explicitVr, bool inItem, int depth) {
    if (depth > 16) return unknown();
    std::uint64_t previousTag = 0;
    for (;;) {
      if (pos == size_ && !inItem) return Step{true, pos, {}};
      if (pos + 8 > size_) return truncated("the file ends inside a data element");
      unsigned char h[12];
      if (!read(pos, h, 8)) return unknown();
      const std::uint32_t group = le16(h), element = le16(h + 2);
      const std::uint64_t tag = (static_cast<std::uint64_t>(group) << 16) | element;
      if (group == 0xFFFE) {
        if (inItem && element == 0xE00D) return Step{true, pos + 8, {}};
        return unknown();
      }
      if (tag < previousTag) return unknown();
      previousTag = tag;
      std::uint64_t header = 8, length = le32(h + 4);
      bool sequence = !explicitVr;  // implicit VR: an undefined length means a sequence
      bool innerExplicit = explicitVr;
      if (explicitVr) {
        if (!isUpper(h[4]) || !isUpper(h[5])) return unknown();
        if (longVr(h[4], h[5])) {
          if (pos + 12 > size_) return truncated("the file ends inside data element " + tagText(group, element));
          if (!read(pos, h, 12)) return unknown();
          header = 12;
          length = le32(h + 8);
        } else {
          length = le16(h + 6);
        }
        sequence = (h[4] == 'S' && h[5] == 'Q') || (h[4] == 'U' && h[5] == 'N');
        if (h[4] == 'U' && h[5] == 'N') innerExplicit = false;
      }
      const bool pixelData = depth == 0 && group == 0x7FE0 && element == 0x0010;
      if (length == 0xFFFFFFFFu) {
        Step step = pixelData ? fragments(pos + header) : sequence ? items(pos + header, innerExplicit, depth) : unknown();
        if (!step.ok || !step.problem.empty()) {
          if (!step.problem.empty()) step.problem += " (in " + tagText(group, element) + ")";
          return step;
        }
        if (pixelData) return step;
        pos = step.end;
        continue;
      }
      if (pos + header + length > size_) {
        return truncated("data element " + tagText(group, element) + (pixelData ? " (pixel data)" : "") + " needs " +
                         std::to_string(length) + " bytes, the file has " +
                         std::to_string(size_ > pos + header ? size_ - pos - header : 0));
      }
      if (pixelData) return Step{true, pos + header + length, {}};
      pos += header + length;
    }
  }

  // Items of a sequence of undefined length, up to the sequence delimiter.
  Step items(std::uint64_t pos, bool explicitVr, int depth) {
    for (;;) {
      if (pos + 8 > size_) return truncated("the file ends inside a sequence");
      unsigned char h[8];
      if (!read(pos, h, 8)) return unknown();
      if (le16(h) != 0xFFFE) return unknown();
      const std::uint32_t element = le16(h + 2);
      const std::uint64_t length = le32(h + 4);
      if (element == 0xE0DD) return Step{true, pos + 8, {}};
      if (element != 0xE000) return unknown();
      if (length == 0xFFFFFFFFu) {
        const Step step = walk(pos + 8, explicitVr, true, depth + 1);
        if (!step.ok || !step.problem.empty()) return step;
        pos = step.end;
      } else {
        if (pos + 8 + length > size_) return truncated("a sequence item runs past the end of the file");
        pos += 8 + length;
      }
    }
  }

  // Encapsulated (compressed) pixel data: fragments up to the sequence delimiter.
  Step fragments(std::uint64_t pos) {
    for (;;) {
      if (pos + 8 > size_) return truncated("the file ends inside the encapsulated pixel data");
      unsigned char h[8];
      if (!read(pos, h, 8)) return unknown();
      if (le16(h) != 0xFFFE) return unknown();
      const std::uint32_t element = le16(h + 2);
      const std::uint64_t length = le32(h + 4);
      if (element == 0xE0DD) return Step{true, pos + 8, {}};
      if (element != 0xE000 || length == 0xFFFFFFFFu) return unknown();
      if (pos + 8 + length > size_) return truncated("a pixel data fragment runs past the end of the file");
      pos += 8 + length;
    }
  }

  std::ifstream in_;
  std::uint64_t size_ = 0;
};

// ITK's NIfTI library, asked for "X.nii.gz", opens "X.nii" instead when that file exists.
void checkNiftiSibling(const fs::path& path) {
  std::string name = path.filename().string();
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.size() <= 7 || lower.compare(lower.size() - 7, 7, ".nii.gz") != 0) return;
  const fs::path sibling = path.parent_path() / name.substr(0, name.size() - 3);
  std::error_code ec;
  if (fs::exists(sibling, ec)) {
    fail(path, "'" + sibling.string() + "' lies next to it and ITK's NIfTI library would read that file instead; "
               "rename or remove one of them");
  }
}

// Opens a (non-directory) image file and reads its header: the ImageIO that will read the voxels.
itk::ImageIOBase::Pointer openImageFile(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) fail(path, "file or directory not found");
  // Before any ITK IO probes the file: GDCM aborts the process on some truncated DICOM files.
  const std::string dicomProblem = DicomTruncationCheck(path).problem();
  if (!dicomProblem.empty()) fail(path, "DICOM file is truncated: " + dicomProblem);
  itk::ImageIOBase::Pointer io;
  try {
    io = itk::ImageIOFactory::CreateImageIO(path.string().c_str(), itk::ImageIOFactory::ReadMode);
    if (!io) fail(path, "not a readable image (unknown format, or a corrupt or truncated file; NIfTI, NRRD, MetaImage or DICOM expected)");
    if (std::strcmp(io->GetNameOfClass(), "NiftiImageIO") == 0) checkNiftiSibling(path);
    io->SetFileName(path.string());
    io->ReadImageInformation();
  } catch (const itk::ExceptionObject& e) {
    failItk(path, e);
  }
  const unsigned dims = io->GetNumberOfDimensions();
  if (dims < 3) fail(path, "image is 2D (" + std::to_string(dims) + " dimension(s)); a 3D image is needed");
  if (io->GetNumberOfComponents() != 1) {
    fail(path, "voxels have " + std::to_string(io->GetNumberOfComponents()) +
                   " components (RGB, vector or complex image); a scalar image is needed");
  }
  for (unsigned a = 3; a < dims; ++a) {
    if (io->GetDimensions(a) != 1) {
      fail(path, "image has " + std::to_string(dims) + " dimensions with " + std::to_string(io->GetDimensions(a)) +
                     " elements along axis " + std::to_string(a) + " (several volumes or time points); a 3D image is needed");
    }
  }
  if (dims > 4) fail(path, "image has " + std::to_string(dims) + " dimensions; a 3D image is needed");
  if (dims == 3 && io->GetDimensions(2) == 1 && dynamic_cast<itk::GDCMImageIO*>(io.GetPointer()) != nullptr) {
    fail(path, "image is 2D (a single DICOM slice); a 3D image is needed");
  }
  if (std::strcmp(io->GetNameOfClass(), "NiftiImageIO") == 0) checkNiftiSize(path);
  if (auto* meta = dynamic_cast<itk::MetaImageIO*>(io.GetPointer())) checkMetaImageSize(path, *meta);
  return io;
}

template <class Pixel, unsigned Dim>
Volume<Pixel> readFileWithDim(const fs::path& path, itk::ImageIOBase* io) {
  using Image = itk::Image<Pixel, Dim>;
  try {
    auto reader = itk::ImageFileReader<Image>::New();
    reader->SetImageIO(io);
    reader->SetFileName(path.string());
    reader->Update();
    return toVolume<Pixel, Dim>(*reader->GetOutput());
  } catch (const itk::ExceptionObject& e) {
    failItk(path, e);
  }
}

template <class Pixel>
Volume<Pixel> readFileAs(const fs::path& path, itk::ImageIOBase* io) {
  if (io->GetNumberOfDimensions() == 4) return readFileWithDim<Pixel, 4>(path, io);
  return readFileWithDim<Pixel, 3>(path, io);
}

// Reads the one DICOM series in directory `dir`.
template <class Pixel>
Volume<Pixel> readSeriesAs(const fs::path& dir) {
  using Image = itk::Image<Pixel, 3>;
  // Every file is checked before GDCM scans the directory: GDCM aborts the process on some
  // truncated DICOM files, and reads others without an error.
  {
    std::error_code ec;
    std::vector<fs::path> entries;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code fileEc;
      if (it->is_regular_file(fileEc)) entries.push_back(it->path());
    }
    if (ec) fail(dir, "cannot list the directory: " + ec.message());
    std::sort(entries.begin(), entries.end());
    for (const auto& file : entries) {
      const std::string problem = DicomTruncationCheck(file).problem();
      if (!problem.empty()) fail(dir, "DICOM file '" + file.filename().string() + "' is truncated: " + problem);
    }
  }
  try {
    auto names = itk::GDCMSeriesFileNames::New();
    names->SetRecursive(false);
    names->SetUseSeriesDetails(true);
    names->SetDirectory(dir.string());
    const std::vector<std::string> uids = names->GetSeriesUIDs();
    if (uids.empty()) fail(dir, "directory holds no DICOM series");
    if (uids.size() > 1) {
      std::string list;
      for (std::size_t n = 0; n < uids.size() && n < 5; ++n) list += (n ? ", " : "") + uids[n];
      if (uids.size() > 5) list += ", ...";
      fail(dir, "directory holds " + std::to_string(uids.size()) + " DICOM series (" + list +
                    "); put each series in its own directory");
    }
    const std::vector<std::string> files = names->GetFileNames(uids.front());
    if (files.empty()) fail(dir, "directory holds no DICOM series");

    auto gdcm = itk::GDCMImageIO::New();
    auto reader = itk::ImageSeriesReader<Image>::New();
    reader->SetImageIO(gdcm);
    reader->SetFileNames(files);
    reader->Update();
    const Image& image = *reader->GetOutput();
    if (gdcm->GetNumberOfComponents() != 1) {
      fail(dir, "DICOM voxels have " + std::to_string(gdcm->GetNumberOfComponents()) +
                    " components (e.g. RGB); a scalar image is needed");
    }
    const auto size = image.GetBufferedRegion().GetSize();
    if (files.size() == 1 && size[2] == 1) {
      fail(dir, "image is 2D (the DICOM series has a single slice); a 3D image is needed");
    }

    if (files.size() > 1 && size[2] == files.size()) {  // one slice per file
      const double dz = image.GetSpacing()[2];
      double deviation = 0.0;
      if (itk::ExposeMetaData<double>(image.GetMetaDataDictionary(), "ITK_non_uniform_sampling_deviation", deviation) &&
          deviation > 0.01 * dz) {
        fail(dir, "DICOM slices are not evenly spaced (missing slices?): deviation up to " + numberText(deviation) +
                      " mm from the slice spacing " + numberText(dz) + " mm");
      }
      // The last slice must lie where the geometry (first slice + normal * spacing) puts it.
      auto lastReader = itk::ImageFileReader<Image>::New();
      lastReader->SetImageIO(itk::GDCMImageIO::New());
      lastReader->SetFileName(files.back());
      lastReader->UpdateOutputInformation();
      const auto lastOrigin = lastReader->GetOutput()->GetOrigin();
      const auto& origin = image.GetOrigin();
      const auto& direction = image.GetDirection();
      const double run = dz * static_cast<double>(size[2] - 1);
      double offset2 = 0.0;
      for (unsigned r = 0; r < 3; ++r) {
        const double d = lastOrigin[r] - (origin[r] + direction[r][2] * run);
        offset2 += d * d;
      }
      if (!(std::sqrt(offset2) <= 0.01 * dz)) {
        fail(dir, "DICOM slices are not stacked along the slice normal (gantry tilt or inconsistent slice "
                  "positions): the last slice lies " + numberText(std::sqrt(offset2)) + " mm from its expected position");
      }
    }
    return toVolume<Pixel, 3>(image);
  } catch (const itk::ExceptionObject& e) {
    failItk(dir, e);
  }
}

// Converts a label volume to int32, refusing any value that is not an int32 integer.
template <class Pixel>
Volume<std::int32_t> toLabels(const fs::path& path, const Volume<Pixel>& in) {
  Volume<std::int32_t> out;
  out.geometry = in.geometry;
  out.voxels.resize(in.voxels.size());
  for (std::size_t n = 0; n < in.voxels.size(); ++n) {
    const double value = static_cast<double>(in.voxels[n]);
    if (!(std::isfinite(value) && value == std::floor(value) &&
          value >= static_cast<double>(std::numeric_limits<std::int32_t>::min()) &&
          value <= static_cast<double>(std::numeric_limits<std::int32_t>::max()))) {
      const auto nx = static_cast<std::size_t>(in.geometry.size[0]);
      const auto ny = static_cast<std::size_t>(in.geometry.size[1]);
      std::ostringstream s;
      s.precision(10);
      s << "label map voxel (" << n % nx << ", " << (n / nx) % ny << ", " << n / (nx * ny) << ") has value " << value
        << "; labels must be integers in the int32 range";
      fail(path, s.str());
    }
    out.voxels[n] = static_cast<std::int32_t>(value);
  }
  return out;
}

std::string geometryText(const VolumeGeometry& g) {
  std::ostringstream s;
  s.precision(10);
  s << "size " << g.size[0] << "x" << g.size[1] << "x" << g.size[2] << ", spacing (" << g.spacing[0] << ", "
    << g.spacing[1] << ", " << g.spacing[2] << ") mm, origin (" << g.origin[0] << ", " << g.origin[1] << ", "
    << g.origin[2] << ") mm, direction [";
  for (int r = 0; r < 3; ++r) {
    s << (r ? ", [" : "[") << g.direction[3 * r] << ", " << g.direction[3 * r + 1] << ", " << g.direction[3 * r + 2]
      << "]";
  }
  s << "]";
  return s.str();
}

}  // namespace

Volume<float> readImage(const fs::path& path) {
  registerFactories();
  std::error_code ec;
  if (fs::is_directory(path, ec)) return readSeriesAs<float>(path);
  const itk::ImageIOBase::Pointer io = openImageFile(path);
  return readFileAs<float>(path, io.GetPointer());
}

Volume<std::int32_t> readLabelMap(const fs::path& path) {
  registerFactories();
  std::error_code ec;
  if (fs::is_directory(path, ec)) return toLabels(path, readSeriesAs<double>(path));
  const itk::ImageIOBase::Pointer io = openImageFile(path);
  using C = itk::IOComponentEnum;
  switch (io->GetComponentType()) {
    case C::UCHAR:
    case C::CHAR:
    case C::USHORT:
    case C::SHORT:
    case C::INT:
      return readFileAs<std::int32_t>(path, io.GetPointer());  // exact: every value fits
    case C::FLOAT:
      return toLabels(path, readFileAs<float>(path, io.GetPointer()));
    default:  // unsigned and 64-bit integers, double: checked for range and integrality
      return toLabels(path, readFileAs<double>(path, io.GetPointer()));
  }
}

std::string fileProvenanceHash(const fs::path& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw InputError("input '" + path.string() + "' not found");
  if (!fs::is_directory(status)) return sha256File(path);
  std::vector<std::string> names;
  fs::directory_iterator it(path, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code fileEc;
    if (it->is_regular_file(fileEc)) names.push_back(it->path().filename().string());
  }
  if (ec) throw InputError("cannot list directory '" + path.string() + "': " + ec.message());
  std::sort(names.begin(), names.end());
  std::string text;
  for (const auto& name : names) text += name + '\t' + sha256File(path / name) + '\n';
  return sha256Hex(text);
}

template <class T>
Volume<T> reorientToRas(const Volume<T>& v) {
  const VolumeGeometry& g = v.geometry;
  if (v.voxels.size() != g.voxelCount()) {
    throw std::invalid_argument("reorientToRas: " + std::to_string(v.voxels.size()) + " voxels for a geometry of " +
                                std::to_string(g.voxelCount()));
  }
  // World component (row) each voxel axis points along most, and its sign.
  std::array<int, 3> worldOfAxis{};
  std::array<int, 3> axisOfWorld{-1, -1, -1};
  std::array<bool, 3> reversed{};
  for (int a = 0; a < 3; ++a) {
    int best = 0;
    for (int r = 1; r < 3; ++r) {
      if (std::abs(g.direction[3 * r + a]) > std::abs(g.direction[3 * best + a])) best = r;
    }
    if (!(std::abs(g.direction[3 * best + a]) > 0.0)) {
      throw InputError("cannot reorient to RAS: direction of voxel axis " + std::to_string(a) + " is zero or not finite");
    }
    if (axisOfWorld[best] >= 0) {
      std::ostringstream s;
      s.precision(10);
      s << "cannot reorient to RAS: voxel axes " << axisOfWorld[best] << " and " << a
        << " both point mostly along world axis " << "xyz"[best]
        << " (degenerate or 45-degree oblique direction [";
      for (int r = 0; r < 3; ++r) {
        s << (r ? ", [" : "[") << g.direction[3 * r] << ", " << g.direction[3 * r + 1] << ", " << g.direction[3 * r + 2]
          << "]";
      }
      s << "])";
      throw InputError(s.str());
    }
    worldOfAxis[a] = best;
    axisOfWorld[best] = a;
    reversed[a] = g.direction[3 * best + a] < 0.0;
  }

  // Old voxel index of the new first voxel, and the new geometry.
  std::array<double, 3> start{};
  VolumeGeometry out;
  for (int a = 0; a < 3; ++a) {
    const int w = worldOfAxis[a];
    start[a] = reversed[a] ? static_cast<double>(g.size[a] - 1) : 0.0;
    out.size[w] = g.size[a];
    out.spacing[w] = g.spacing[a];
    const double sign = reversed[a] ? -1.0 : 1.0;
    for (int r = 0; r < 3; ++r) out.direction[3 * r + w] = sign * g.direction[3 * r + a];
  }
  out.origin = g.size[0] > 0 && g.size[1] > 0 && g.size[2] > 0 ? g.worldOf(start[0], start[1], start[2]) : g.origin;

  // Old linear index = base + sum over new axes w of n_w * step[w].
  const std::array<std::int64_t, 3> oldStride{1, g.size[0], g.size[0] * g.size[1]};
  std::int64_t base = 0;
  std::array<std::int64_t, 3> step{};
  for (int a = 0; a < 3; ++a) {
    const int w = worldOfAxis[a];
    if (reversed[a]) {
      base += (g.size[a] - 1) * oldStride[a];
      step[w] = -oldStride[a];
    } else {
      step[w] = oldStride[a];
    }
  }
  Volume<T> result;
  result.geometry = out;
  result.voxels.resize(v.voxels.size());
  std::size_t n = 0;
  for (std::int64_t k = 0; k < out.size[2]; ++k) {
    for (std::int64_t j = 0; j < out.size[1]; ++j) {
      std::int64_t old = base + k * step[2] + j * step[1];
      for (std::int64_t i = 0; i < out.size[0]; ++i, old += step[0]) {
        result.voxels[n++] = v.voxels[static_cast<std::size_t>(old)];
      }
    }
  }
  return result;
}

template Volume<float> reorientToRas<float>(const Volume<float>&);
template Volume<std::int32_t> reorientToRas<std::int32_t>(const Volume<std::int32_t>&);
template Volume<std::uint8_t> reorientToRas<std::uint8_t>(const Volume<std::uint8_t>&);
template Volume<std::int16_t> reorientToRas<std::int16_t>(const Volume<std::int16_t>&);

std::optional<std::string> geometryMismatch(const VolumeGeometry& a, const VolumeGeometry& b, double tolerance) {
  std::vector<std::string> differs;
  if (a.size != b.size) differs.push_back("size");
  double maxSpacing = 1.0;
  bool spacingOk = true;
  for (int i = 0; i < 3; ++i) {
    const double scale = std::max(std::abs(a.spacing[i]), std::abs(b.spacing[i]));
    if (!(std::abs(a.spacing[i] - b.spacing[i]) <= tolerance * scale)) spacingOk = false;
    maxSpacing = std::max({maxSpacing, std::abs(a.spacing[i]), std::abs(b.spacing[i])});
  }
  if (!spacingOk) differs.push_back("spacing");
  bool originOk = true;
  for (int i = 0; i < 3; ++i) {
    if (!(std::abs(a.origin[i] - b.origin[i]) <= tolerance * maxSpacing)) originOk = false;
  }
  if (!originOk) differs.push_back("origin");
  bool directionOk = true;
  for (int i = 0; i < 9; ++i) {
    if (!(std::abs(a.direction[i] - b.direction[i]) <= tolerance)) directionOk = false;
  }
  if (!directionOk) differs.push_back("direction");
  if (differs.empty()) return std::nullopt;
  std::string what;
  for (std::size_t n = 0; n < differs.size(); ++n) what += (n ? ", " : "") + differs[n];
  return what + " differ" + (differs.size() == 1 ? "s" : "") + " (tolerance " + numberText(tolerance) +
         "); first: " + geometryText(a) + "; second: " + geometryText(b);
}

}  // namespace ren::io
