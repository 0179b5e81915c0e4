// Shared HDF5 helpers (include/ren/preprocess/Hdf5Objects.h; locking rules there).
#include "ren/preprocess/Hdf5Objects.h"

#include <algorithm>
#include <limits>

namespace ren::preprocess {

std::mutex& hdf5Mutex() {
  static std::mutex m;
  return m;
}

namespace hdf5 {
namespace {

herr_t firstErrorDescription(unsigned n, const H5E_error2_t* err, void* clientData) {
  if (n != 0 || !err) return 0;
  auto* out = static_cast<std::string*>(clientData);
  if (err->desc && *err->desc) *out = err->desc;
  char minor[256] = {0};
  if (H5Eget_msg(err->min_num, nullptr, minor, sizeof minor) > 0)
    *out += out->empty() ? std::string(minor) : " [" + std::string(minor) + "]";
  return 0;
}

constexpr unsigned kDatasetDeflateLevel = 4;
constexpr hsize_t kTargetChunkBytes = hsize_t{1} << 20;  // 1 MiB

std::string datasetName(const char* name) { return std::string("dataset '") + name + "'"; }

/// A dataset creation list without modification-time tracking (deterministic bytes).
Hid untimedDatasetCreateList() {
  Hid dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "cannot create dataset creation property list");
  check(H5Pset_obj_track_times(dcpl.get(), 0), "cannot disable time tracking");
  return dcpl;
}

/// Checks `dims` against the number of values; returns the dataspace.
Hid simpleSpace(const char* name, const std::vector<hsize_t>& dims, std::size_t valueCount) {
  if (dims.empty() || dims.size() > static_cast<std::size_t>(H5S_MAX_RANK))
    throw Hdf5Failure("cannot write " + datasetName(name) + ": rank " + std::to_string(dims.size()) +
                      " is not in 1.." + std::to_string(H5S_MAX_RANK));
  hsize_t product = 1;
  bool overflow = false;
  if (std::find(dims.begin(), dims.end(), hsize_t{0}) != dims.end()) {
    product = 0;
  } else {
    for (const hsize_t d : dims) {
      if (product > std::numeric_limits<hsize_t>::max() / d) overflow = true;
      product *= d;
    }
  }
  if (overflow || product != static_cast<hsize_t>(valueCount)) {
    std::string shape;
    for (const hsize_t d : dims) shape += (shape.empty() ? "" : "x") + std::to_string(d);
    throw Hdf5Failure("cannot write " + datasetName(name) + ": shape " + shape + " does not hold " +
                      std::to_string(valueCount) + " values");
  }
  return Hid(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
             std::string("cannot create dataspace for dataset ") + name);
}

/// Chunk shape for a dataset of `dims` (all > 0): the whole dataset, halved dimension by dimension
/// (leading first, so that rows stay together) until a chunk is at most kTargetChunkBytes.
std::vector<hsize_t> chunkShape(const std::vector<hsize_t>& dims, std::size_t elementSize) {
  std::vector<hsize_t> chunk = dims;
  auto bytes = [&] {
    long double b = static_cast<long double>(elementSize);
    for (const hsize_t c : chunk) b *= static_cast<long double>(c);
    return b;
  };
  for (std::size_t i = 0; i < chunk.size(); ++i)
    while (bytes() > static_cast<long double>(kTargetChunkBytes) && chunk[i] > 1) chunk[i] = (chunk[i] + 1) / 2;
  return chunk;
}

template <class T>
void writeNumericDataset(hid_t loc, const char* name, const std::vector<T>& values, const std::vector<hsize_t>& dims,
                         hid_t fileType, hid_t memType) {
  const Hid space = simpleSpace(name, dims, values.size());
  const Hid dcpl = untimedDatasetCreateList();
  if (!values.empty()) {
    const std::vector<hsize_t> chunk = chunkShape(dims, sizeof(T));
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()),
          std::string("cannot set chunking for dataset ") + name);
    check(H5Pset_deflate(dcpl.get(), kDatasetDeflateLevel), std::string("cannot set deflate for dataset ") + name);
    check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), std::string("cannot set fill time for dataset ") + name);
  }
  const Hid dset(H5Dcreate2(loc, name, fileType, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose,
                 std::string("cannot create dataset ") + name);
  if (!values.empty())
    check(H5Dwrite(dset.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          std::string("cannot write dataset ") + name);
}

/// An open dataset with its dataspace and shape.
struct OpenDataset {
  Hid dset;
  Hid space;
  Hid type;
  std::vector<hsize_t> dims;
  std::size_t count = 0;
};

OpenDataset openDataset(hid_t loc, const char* name) {
  if (!linkExists(loc, name)) throw Hdf5Failure(datasetName(name) + " is missing");
  const std::string cannot = std::string("cannot read dataset ") + name;
  OpenDataset d;
  d.dset = Hid(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose, std::string("cannot open dataset ") + name);
  d.space = Hid(H5Dget_space(d.dset.get()), H5Sclose, cannot);
  d.type = Hid(H5Dget_type(d.dset.get()), H5Tclose, cannot);
  const H5S_class_t spaceClass = H5Sget_simple_extent_type(d.space.get());
  if (spaceClass == H5S_NO_CLASS) failHdf5(cannot);
  if (spaceClass == H5S_NULL) return d;  // no values
  const int rank = H5Sget_simple_extent_ndims(d.space.get());
  if (rank < 0) failHdf5(cannot);
  d.dims.resize(static_cast<std::size_t>(rank));
  if (rank > 0) check(H5Sget_simple_extent_dims(d.space.get(), d.dims.data(), nullptr), cannot);
  const hssize_t points = H5Sget_simple_extent_npoints(d.space.get());
  if (points < 0) failHdf5(cannot);
  d.count = static_cast<std::size_t>(points);
  return d;
}

template <class T>
std::vector<T> readNumericDataset(hid_t loc, const char* name, std::vector<hsize_t>* dims, hid_t memType,
                                  bool allowFloat) {
  OpenDataset d = openDataset(loc, name);
  const H5T_class_t cls = H5Tget_class(d.type.get());
  if (cls != H5T_INTEGER && !(allowFloat && cls == H5T_FLOAT))
    throw Hdf5Failure(datasetName(name) + (allowFloat ? " is not numeric" : " is not an integer dataset"));
  std::vector<T> values(d.count);
  if (!values.empty())
    check(H5Dread(d.dset.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          std::string("cannot read dataset ") + name);
  if (dims) *dims = std::move(d.dims);
  return values;
}

}  // namespace

std::string hdf5ErrorText() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, firstErrorDescription, &text);
  H5Eclear2(H5E_DEFAULT);
  return text.empty() ? std::string("HDF5 error") : text;
}

void failHdf5(const std::string& what) { throw Hdf5Failure(what + ": " + hdf5ErrorText()); }

herr_t check(herr_t status, const std::string& what) {
  if (status < 0) failHdf5(what);
  return status;
}

Hid fileAccessList() {
  Hid fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "cannot create file access property list");
#if H5_VERSION_GE(1, 10, 7)
  // Our files are immutable once renamed into place; do not fail on file systems without flock
  // (Lustre / NFS mounts on clusters often have it disabled).
  check(H5Pset_file_locking(fapl.get(), true, true), "cannot set file locking");
#endif
  return fapl;
}

// ---------------------------------------------------------------------------------------------
// Attributes

Hid scalarSpace() { return Hid(H5Screate(H5S_SCALAR), H5Sclose, "cannot create dataspace"); }

Hid stringType() {
  Hid t(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create string type");
  check(H5Tset_size(t.get(), H5T_VARIABLE), "cannot create string type");
  check(H5Tset_cset(t.get(), H5T_CSET_UTF8), "cannot create string type");
  return t;
}

void writeStringAttr(hid_t obj, const char* name, const std::string& value) {
  const Hid type = stringType();
  const Hid space = scalarSpace();
  const Hid attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                 std::string("cannot create attribute ") + name);
  const char* p = value.c_str();
  check(H5Awrite(attr.get(), type.get(), &p), std::string("cannot write attribute ") + name);
}

void writeIntAttr(hid_t obj, const char* name, int value) {
  const Hid space = scalarSpace();
  const Hid attr(H5Acreate2(obj, name, H5T_STD_I32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                 std::string("cannot create attribute ") + name);
  check(H5Awrite(attr.get(), H5T_NATIVE_INT, &value), std::string("cannot write attribute ") + name);
}

void writeDoubleAttr(hid_t obj, const char* name, double value) {
  const Hid space = scalarSpace();
  const Hid attr(H5Acreate2(obj, name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                 std::string("cannot create attribute ") + name);
  check(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value), std::string("cannot write attribute ") + name);
}

Hid openAttr(hid_t obj, const char* name) {
  const htri_t exists = H5Aexists(obj, name);
  if (exists < 0) failHdf5(std::string("cannot look up attribute ") + name);
  if (exists == 0) throw Hdf5Failure(std::string("attribute '") + name + "' is missing");
  return Hid(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, std::string("cannot open attribute ") + name);
}

std::string readStringAttr(hid_t obj, const char* name) {
  const Hid attr = openAttr(obj, name);
  const Hid type(H5Aget_type(attr.get()), H5Tclose, std::string("cannot read attribute ") + name);
  if (H5Tget_class(type.get()) != H5T_STRING) throw Hdf5Failure(std::string("attribute '") + name + "' is not a string");
  const Hid space(H5Aget_space(attr.get()), H5Sclose, std::string("cannot read attribute ") + name);
  if (H5Sget_simple_extent_npoints(space.get()) != 1)
    throw Hdf5Failure(std::string("attribute '") + name + "' is not a single string");
  const htri_t variable = H5Tis_variable_str(type.get());
  if (variable < 0) failHdf5(std::string("cannot read attribute ") + name);
  if (variable > 0) {
    Hid mem(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create string type");
    check(H5Tset_size(mem.get(), H5T_VARIABLE), "cannot create string type");
    check(H5Tset_cset(mem.get(), H5Tget_cset(type.get())), "cannot create string type");
    char* p = nullptr;
    check(H5Aread(attr.get(), mem.get(), &p), std::string("cannot read attribute ") + name);
    std::string value = p ? std::string(p) : std::string();
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, &p);
    return value;
  }
  // Fixed-length string (written by another tool): read it as it is stored, up to the first NUL.
  const std::size_t size = H5Tget_size(type.get());
  if (size == 0) failHdf5(std::string("cannot read attribute ") + name);
  Hid mem(H5Tcopy(type.get()), H5Tclose, "cannot create string type");
  std::string buffer(size, '\0');
  check(H5Aread(attr.get(), mem.get(), buffer.data()), std::string("cannot read attribute ") + name);
  const auto nul = buffer.find('\0');
  if (nul != std::string::npos) buffer.resize(nul);
  while (!buffer.empty() && buffer.back() == ' ') buffer.pop_back();  // H5T_STR_SPACEPAD
  return buffer;
}

int readIntAttr(hid_t obj, const char* name) {
  int v = 0;
  readArrayAttr(obj, name, &v, 1);
  return v;
}

double readDoubleAttr(hid_t obj, const char* name) {
  double v = 0;
  readArrayAttr(obj, name, &v, 1);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Links and datasets

bool linkExists(hid_t loc, const char* name) {
  const htri_t e = H5Lexists(loc, name, H5P_DEFAULT);
  if (e < 0) failHdf5(std::string("cannot look up '") + name + "'");
  return e > 0;
}

void writeStringDataset(hid_t loc, const char* name, const std::vector<std::string>& values) {
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i].find('\0') != std::string::npos)
      throw Hdf5Failure("cannot write " + datasetName(name) + ": string " + std::to_string(i) + " contains a NUL byte");
    pointers.push_back(values[i].c_str());
  }
  const Hid type = stringType();
  const Hid space = simpleSpace(name, {static_cast<hsize_t>(values.size())}, values.size());
  const Hid dcpl = untimedDatasetCreateList();
  const Hid dset(H5Dcreate2(loc, name, type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose,
                 std::string("cannot create dataset ") + name);
  if (!values.empty())
    check(H5Dwrite(dset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
          std::string("cannot write dataset ") + name);
}

std::vector<std::string> readStringDataset(hid_t loc, const char* name) {
  OpenDataset d = openDataset(loc, name);
  const std::string cannot = std::string("cannot read dataset ") + name;
  if (H5Tget_class(d.type.get()) != H5T_STRING) throw Hdf5Failure(datasetName(name) + " is not a string dataset");
  if (d.dims.size() > 1) throw Hdf5Failure(datasetName(name) + " is not 1-D");
  std::vector<std::string> values;
  if (d.count == 0) return values;
  values.reserve(d.count);
  const htri_t variable = H5Tis_variable_str(d.type.get());
  if (variable < 0) failHdf5(cannot);
  if (variable > 0) {
    Hid mem(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create string type");
    check(H5Tset_size(mem.get(), H5T_VARIABLE), "cannot create string type");
    check(H5Tset_cset(mem.get(), H5Tget_cset(d.type.get())), "cannot create string type");
    std::vector<char*> pointers(d.count, nullptr);
    check(H5Dread(d.dset.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()), cannot);
    for (const char* p : pointers) values.emplace_back(p ? p : "");
    H5Dvlen_reclaim(mem.get(), d.space.get(), H5P_DEFAULT, pointers.data());
    return values;
  }
  // Fixed-length strings (written by another tool): each up to its first NUL.
  const std::size_t size = H5Tget_size(d.type.get());
  if (size == 0) failHdf5(cannot);
  const bool spacePadded = H5Tget_strpad(d.type.get()) == H5T_STR_SPACEPAD;
  const Hid mem(H5Tcopy(d.type.get()), H5Tclose, "cannot create string type");
  std::vector<char> buffer(d.count * size, '\0');
  check(H5Dread(d.dset.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), cannot);
  for (std::size_t i = 0; i < d.count; ++i) {
    const char* begin = buffer.data() + i * size;
    std::string s(begin, std::find(begin, begin + size, '\0'));
    if (spacePadded)
      while (!s.empty() && s.back() == ' ') s.pop_back();
    values.push_back(std::move(s));
  }
  return values;
}

void writeDoubleDataset(hid_t loc, const char* name, const std::vector<double>& values,
                        const std::vector<hsize_t>& dims) {
  writeNumericDataset(loc, name, values, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
}

std::vector<double> readDoubleDataset(hid_t loc, const char* name, std::vector<hsize_t>* dims) {
  return readNumericDataset<double>(loc, name, dims, H5T_NATIVE_DOUBLE, true);
}

void writeInt64Dataset(hid_t loc, const char* name, const std::vector<std::int64_t>& values,
                       const std::vector<hsize_t>& dims) {
  writeNumericDataset(loc, name, values, dims, H5T_STD_I64LE, H5T_NATIVE_INT64);
}

std::vector<std::int64_t> readInt64Dataset(hid_t loc, const char* name, std::vector<hsize_t>* dims) {
  return readNumericDataset<std::int64_t>(loc, name, dims, H5T_NATIVE_INT64, false);
}

}  // namespace hdf5
}  // namespace ren::preprocess
