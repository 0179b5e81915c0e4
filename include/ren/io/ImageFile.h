#pragma once
// Medical image files read through ITK into RAS+ volumes (Volume.h), reorientation of the voxel
// axes to RAS, geometry comparison and provenance hashes of input files.
//
// Formats: NIfTI (.nii, .nii.gz), NRRD (.nrrd, .nhdr), MetaImage (.mha, .mhd), each recognised by
// ITK's image IO for that format (content, not only the name), and DICOM: a *directory* is read as
// one DICOM series (a path to a single DICOM file is also accepted by ITK's GDCM IO).
//
// Geometry: ITK works in LPS+; the volumes returned here are RAS+ (Volume.h):
//     origin_ras    = (-o_x, -o_y, o_z)
//     direction_ras = diag(-1, -1, 1) * D_itk
// Spacing is copied unchanged. Voxel order is ITK's buffer order (x fastest), unchanged: call
// reorientToRas() to get RAS-aligned voxel axes.
//
// Dimensionality: the image must be 3D. Refused as "2D": ITK reports fewer than 3 dimensions, or a
// DICOM input (directory or file) that holds a single slice. A file with more than 3 dimensions is
// accepted when every axis beyond the third has size 1 (e.g. a 4D NIfTI with one time point; the
// spatial 3x3 block of its direction is used); more than one volume (time point) is refused.
// Multi-component voxels (RGB, vector, complex) are refused.
//
// DICOM series: the directory (not its subdirectories) is scanned with GDCM; series are told apart
// by Series Instance UID plus GDCM's default series details (series number, sequence name, slice
// thickness, rows, columns). No series → InputError naming the directory; several series → refused,
// naming how many and (up to 5 of) their identifiers. Slices are ordered by GDCM (image position
// along the slice normal). Rescale slope/intercept are applied by GDCM, so CT values are HU. The
// slice spacing is the distance between the first and last slice positions / (n - 1); the series is
// refused when slices are not evenly spaced (missing slices: a deviation above 1 % of the slice
// spacing) or, with one slice per file, are not stacked along the slice normal (gantry tilt, slice
// order against the normal: the last slice's position more than 1 % of the slice spacing away from
// where the geometry puts it).
//
// Integrity checks that ITK itself lacks: ITK's NIfTI and MetaImage readers fill voxel data missing
// from a truncated file silently, so the (decompressed) data size is compared with what the header
// describes: single-file NIfTI-1 (a .nii.gz is decompressed once more for this, which also checks its
// CRC) and MetaImage with binary data (LOCAL or one data file; compressed data against the header's
// CompressedDataSize). DICOM (GDCM reads a file with cut pixel data silently, and aborts the process
// on some files cut inside the header): every Part-10 file ("DICM" preamble; little-endian explicit
// or implicit VR, encapsulated pixel data included) given as a path, or lying directly in a series
// directory, is walked element by element before GDCM sees it, and refused when an element, item or
// the pixel data runs past the end of the file. NRRD truncation is reported by ITK itself.
// "X.nii.gz" is refused while a file "X.nii" lies next to it: ITK's NIfTI library would silently
// open "X.nii" instead.
//
// Errors: every failure (missing file, unreadable or corrupt file, ITK exception) throws
// ren::InputError whose message names the file or directory; an ITK description is shortened to its
// first line (plus the next line when the first ends with ':'), at most 300 characters. The ITK IO
// factories (NIfTI, NRRD, MetaImage, GDCM) are registered explicitly, once (std::call_once).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "ren/io/Volume.h"

namespace ren::io {

/// Reads a 3D scalar image (or a DICOM series directory) as float voxels with RAS+ geometry.
Volume<float> readImage(const std::filesystem::path& path);

/// Reads a 3D label map (same formats as readImage). Every voxel must be an integer within the
/// int32 range: a non-integral, non-finite or out-of-range value (possible when the file stores
/// floating-point or wide integer voxels, or applies a scaling) throws InputError naming the file,
/// the voxel index (i, j, k) and the value. Files of 8- to 32-bit signed integer voxels (and 8/16-bit
/// unsigned) are read directly as int32; float files as float, other types (and DICOM) as double,
/// then checked.
Volume<std::int32_t> readLabelMap(const std::filesystem::path& path);

/// Content hash of an input, for provenance. A regular file: sha256File(path). A directory (a DICOM
/// series): SHA-256 of the text made of one line "<name>\t<sha256 of the file>\n" per regular file
/// directly in the directory (not recursive; symbolic links to files are followed), sorted by name
/// (byte order); names are relative to the directory, so the hash does not depend on where the
/// directory lies. An empty directory hashes the empty text. A missing path throws InputError.
std::string fileProvenanceHash(const std::filesystem::path& path);

/// Permutes and flips the voxel axes (exact copy of the values, no interpolation) so that voxel axis
/// 0 points most towards +x (Right), axis 1 towards +y (Anterior) and axis 2 towards +z (Superior).
/// Each voxel axis is assigned to the world component of largest magnitude in its direction column
/// (ties go to the lowest component); the axis is reversed when that component is negative. The
/// world position of every voxel centre is unchanged: size and spacing are permuted, direction
/// columns permuted and negated, and the origin moves to the new first voxel. Residual obliquity is
/// kept (the direction is not snapped to the identity). Throws InputError when two voxel axes share
/// a dominant world component (a degenerate direction or 45° obliquity); throws
/// std::invalid_argument when voxels.size() does not match the geometry.
/// Instantiated for float, std::int32_t, std::uint8_t and std::int16_t.
template <class T>
Volume<T> reorientToRas(const Volume<T>& v);

extern template Volume<float> reorientToRas<float>(const Volume<float>&);
extern template Volume<std::int32_t> reorientToRas<std::int32_t>(const Volume<std::int32_t>&);
extern template Volume<std::uint8_t> reorientToRas<std::uint8_t>(const Volume<std::uint8_t>&);
extern template Volume<std::int16_t> reorientToRas<std::int16_t>(const Volume<std::int16_t>&);

/// Compares two geometries. Returns std::nullopt when they agree:
///   - size: exactly equal;
///   - spacing: |a_i - b_i| <= tolerance * max(|a_i|, |b_i|) for each axis (relative);
///   - origin: |a_i - b_i| <= tolerance * max(1, largest spacing of either geometry) mm;
///   - direction: |a_ij - b_ij| <= tolerance for each element (unit vectors, absolute).
/// Non-finite values never agree. Otherwise returns a message naming what differs, followed by both
/// geometries in full ("first: size AxBxC, spacing (..) mm, origin (..) mm, direction
/// [[..], [..], [..]]; second: ..."), for errors such as "image and lobe map do not share geometry".
std::optional<std::string> geometryMismatch(const VolumeGeometry& a, const VolumeGeometry& b,
                                            double tolerance = 1e-3);

}  // namespace ren::io
