#include "export/espdl_file.h"

#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "artifacts/atomic_file.h"
#include "export/espdl_flatbuffer.h"
#include "qtune/error.h"

namespace qtune {
namespace {

constexpr char kMagic[4] = {'E', 'D', 'L', '2'};

std::uint32_t read_u32(std::string_view bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  return v;
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

}  // namespace

std::string serialize_espdl(const EspdlModel& model) {
  const std::string payload = encode_espdl_flatbuffer(model);
  if (payload.size() > 0xFFFFFFFFu) throw Error(fmt::format(".espdl payload of {} bytes exceeds the 4 GiB header field", payload.size()));
  std::string out(kMagic, 4);
  put_u32(out, 0);  // mode: plain
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  put_u32(out, 0);
  out += payload;
  return out;
}

EspdlModel parse_espdl(std::string_view bytes, const std::string& source) {
  auto fail = [&](const std::string& what) -> void { throw InputError(fmt::format("{}: {}", source, what)); };
  if (bytes.size() < kEspdlHeaderSize)
    fail(fmt::format("{} bytes, too short for the 16-byte .espdl header (truncated?)", bytes.size()));
  const std::string_view magic = bytes.substr(0, 4);
  if (magic != std::string_view(kMagic, 4)) {
    if (magic == "PDL1" || magic == "PDL2" || magic == "PDL3")
      fail(fmt::format("a multi-model package ('{}'), not a single .espdl model", magic));
    if (magic == "EDL1") fail("legacy 'EDL1' container; qtune reads 'EDL2' files (what esp-ppq writes today)");
    std::string shown;
    for (char c : magic) shown += (c >= 32 && c < 127) ? fmt::format("{}", c) : fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    fail(fmt::format("not an .espdl file: starts with '{}', expected 'EDL2'", shown));
  }
  const std::uint32_t mode = read_u32(bytes, 4);
  if (mode == 1) fail("the payload is AES-encrypted (mode 1); qtune cannot read it without the key");
  if (mode != 0) fail(fmt::format("unknown mode {} in header bytes 4-7 (0 plain, 1 encrypted)", mode));
  const std::uint32_t length = read_u32(bytes, 8);
  if (read_u32(bytes, 12) != 0) fail("header bytes 12-15 must be zero");
  const std::size_t have = bytes.size() - kEspdlHeaderSize;
  if (length > have) fail(fmt::format("truncated: the header announces a {}-byte payload, the file holds {}", length, have));
  if (length < have) fail(fmt::format("{} unexpected bytes after the {}-byte payload the header announces", have - length, length));
  // Copy into storage aligned for the FlatBuffer's 8/16-byte fields (glibc new: 16).
  std::vector<std::uint8_t> payload(length);
  std::memcpy(payload.data(), bytes.data() + kEspdlHeaderSize, length);
  return decode_espdl_flatbuffer(payload, source);
}

void write_espdl_file(const std::filesystem::path& path, const EspdlModel& model) {
  write_file_atomic(path, serialize_espdl(model));
}

EspdlModel read_espdl_file(const std::filesystem::path& path) { return parse_espdl(read_file(path), path.string()); }

}  // namespace qtune
