#pragma once
// NIfTI-1 single-file images (.nii and gzip-compressed .nii.gz).
//
// Writing: gzip-compressed when the file name ends in ".gz" (e.g. .nii.gz), else plain;
// little-endian, vox_offset 352 (348-byte header + 4 zero extension bytes), dim[0] = 3,
// pixdim[1..3] = spacing, units mm, scl_slope = 1 and scl_inter = 0 (identity scaling written
// explicitly), sform_code = 1 with srow = [direction * diag(spacing) | origin], qform_code = 1
// with the quaternion of the direction matrix (qfac = pixdim[0] = -1 when det(direction) < 0),
// descrip "REN-HPC". Output is byte-identical for identical input (with the same zlib build):
// .nii.gz is one gzip member made by zlib (level 6) with a fixed header (mtime 0, no name, OS byte
// 255 = unknown). The file is written atomically (temporary name + rename); parent directories
// are created.
//
// Reading: .nii or .nii.gz (gzip is detected from the magic bytes, not the name; concatenated gzip
// members are accepted and the gzip CRC is verified), dim[0] = 3 (or 4 with dim[4] = 1; dim[0] = 2
// is refused as "image is 2D"; a 3D image with a size-1 axis is fine), little- or
// big-endian (big-endian files are byte-swapped), datatypes UINT8, INT8, INT16, UINT16, INT32,
// FLOAT32 and FLOAT64. Scaling value*scl_slope + scl_inter is applied when scl_slope is finite and
// non-zero and (scl_slope, scl_inter) != (1, 0). Conversion to an integer voxel type must be
// exact: a non-integral or out-of-range value is an error. Geometry: the sform when sform_code > 0,
// else the qform (quaternion, qfac, pixdim) when qform_code > 0, else diag(pixdim) with origin 0;
// direction = normalised columns of the voxel-to-world matrix, spacing = their norms.
// All failures throw ren::InputError whose message names the file and the problem.
#include <cstdint>
#include <filesystem>

#include "ren/io/Volume.h"

namespace ren::io {

/// NIfTI-1 datatype codes (the subset this reader understands).
enum NiftiDatatype : int {
  kNiftiUint8 = 2,
  kNiftiInt16 = 4,
  kNiftiInt32 = 8,
  kNiftiFloat32 = 16,
  kNiftiFloat64 = 64,
  kNiftiInt8 = 256,
  kNiftiUint16 = 512,
};

/// What the header says: geometry (RAS+, as for Volume), datatype code and bits per voxel.
struct NiftiInfo {
  VolumeGeometry geometry;
  int datatype = 0;
  int bitpix = 0;
};

void writeNifti(const std::filesystem::path& path, const Volume<std::int16_t>& v);
void writeNifti(const std::filesystem::path& path, const Volume<std::uint8_t>& v);
void writeNifti(const std::filesystem::path& path, const Volume<float>& v);

/// Reads a 3D NIfTI-1 image into voxel type T (explicitly instantiated for std::int16_t,
/// std::uint8_t and float).
template <class T>
Volume<T> readNifti(const std::filesystem::path& path);

extern template Volume<std::int16_t> readNifti<std::int16_t>(const std::filesystem::path&);
extern template Volume<std::uint8_t> readNifti<std::uint8_t>(const std::filesystem::path&);
extern template Volume<float> readNifti<float>(const std::filesystem::path&);

/// Reads and validates only the header (for .nii.gz only the first bytes are decompressed).
NiftiInfo readNiftiInfo(const std::filesystem::path& path);

}  // namespace ren::io
