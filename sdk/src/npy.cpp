// .npy reader/writer. Format: magic "\x93NUMPY", version, little-endian header length,
// then a Python-dict header {'descr': '<f4', 'fortran_order': False, 'shape': (..), }.
#include "qtune/npy.h"

#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "qtune/error.h"

namespace qtune {

namespace {
struct Descr {
  const char* code;
  DType dtype;
};
constexpr Descr kDescrs[] = {{"<f4", DType::Float32}, {"<f8", DType::Float64}, {"|i1", DType::Int8},
                             {"<i2", DType::Int16},   {"<i4", DType::Int32},   {"<i8", DType::Int64},
                             {"|u1", DType::UInt8},   {"|b1", DType::Bool}};

std::string descr_of(DType t) {
  for (const auto& d : kDescrs)
    if (d.dtype == t) return d.code;
  throw Error("no .npy descr for dtype");
}
}  // namespace

Tensor read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open .npy file", path.string()));
  char magic[6];
  in.read(magic, 6);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw InputError(fmt::format("{}: not a .npy file (bad magic)", path.string()));
  unsigned char version[2];
  in.read(reinterpret_cast<char*>(version), 2);
  std::uint32_t header_len = 0;
  if (version[0] == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (b[1] << 8);
  } else if (version[0] == 2 || version[0] == 3) {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
  } else {
    throw InputError(fmt::format("{}: unsupported .npy version {}", path.string(), int(version[0])));
  }
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  if (!in) throw InputError(fmt::format("{}: truncated .npy header", path.string()));

  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([^']+)')")))
    throw InputError(fmt::format("{}: .npy header has no 'descr'", path.string()));
  const std::string descr = m[1];
  DType dtype{};
  bool found = false;
  for (const auto& d : kDescrs)
    if (descr == d.code || (descr.size() == 3 && descr[0] == '=' && descr.substr(1) == std::string(d.code).substr(1))) {
      dtype = d.dtype;
      found = true;
    }
  if (!found)
    throw InputError(fmt::format("{}: .npy dtype '{}' is not supported (expected little-endian float32/64, "
                                 "int8/16/32/64, uint8 or bool)", path.string(), descr));
  if (std::regex_search(header, m, std::regex(R"('fortran_order'\s*:\s*True)")))
    throw InputError(fmt::format("{}: Fortran-order .npy arrays are not supported; save with C order", path.string()));
  if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))")))
    throw InputError(fmt::format("{}: .npy header has no 'shape'", path.string()));
  Shape shape;
  std::stringstream dims(m[1].str());
  std::string item;
  while (std::getline(dims, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \tL") + 1);
    if (!item.empty()) shape.push_back(std::stoll(item));
  }
  Tensor t = Tensor::uninitialized(dtype, shape);
  in.read(reinterpret_cast<char*>(t.raw()), static_cast<std::streamsize>(t.byte_size()));
  if (static_cast<std::size_t>(in.gcount()) != t.byte_size())
    throw InputError(fmt::format("{}: truncated .npy data: {} of {} bytes for shape {}", path.string(), in.gcount(),
                                 t.byte_size(), shape_str(shape)));
  return t;
}

void write_npy(const std::filesystem::path& path, const Tensor& tensor) {
  std::string shape;
  for (auto d : tensor.shape()) shape += fmt::format("{}, ", d);
  if (tensor.rank() > 1) shape.erase(shape.size() - 2);  // (3,) for rank 1, (2, 3) otherwise
  else if (tensor.rank() == 1) shape.erase(shape.size() - 1);
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr_of(tensor.dtype()), shape);
  // Pad with spaces so the data starts 64-byte aligned; header ends with '\n'.
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(fmt::format("{}: cannot write", tmp.string()));
    out.write("\x93NUMPY\x01\x00", 8);
    const auto len = static_cast<std::uint16_t>(header.size());
    const char lb[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
    out.write(lb, 2);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(tensor.raw()), static_cast<std::streamsize>(tensor.byte_size()));
    if (!out) throw Error(fmt::format("{}: write failed", tmp.string()));
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace qtune
