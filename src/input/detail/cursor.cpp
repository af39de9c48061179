#include "input/detail/cursor.hpp"

#include <fcntl.h>
#include <png.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "core/log.hpp"
#include "input/detail/xlib.hpp"
#include "input/protocol.hpp"

namespace ds::input::detail {
namespace {

constexpr size_t kCacheSize = 64;
constexpr int kMaxCursorSide = 512;

void appendPng(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  out->append(reinterpret_cast<const char*>(data), length);
}

}  // namespace

Result<std::string> encodePng(const std::vector<uint8_t>& rgba, int width, int height) {
  if (width <= 0 || height <= 0 || rgba.size() != static_cast<size_t>(width) * height * 4) {
    return fail("bad image dimensions");
  }
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr) return fail("png_create_write_struct failed");
  png_infop info = png_create_info_struct(png);
  std::string out;
  std::vector<png_const_bytep> rows(static_cast<size_t>(height));
  for (int y = 0; y < height; ++y) rows[y] = rgba.data() + static_cast<size_t>(y) * width * 4;
  // libpng reports errors by longjmp; nothing with a destructor is created after this point.
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return fail("PNG encoding failed");
  }
  png_set_write_fn(png, &out, &appendPng, nullptr);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
               PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, const_cast<png_bytepp>(rows.data()));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

CursorImage scaleCursor(const CursorImage& image, int size) {
  CursorImage out;
  out.width = out.height = size;
  out.serial = image.serial;
  out.xhot = image.xhot * size / std::max(1, image.width);
  out.yhot = image.yhot * size / std::max(1, image.height);
  out.argb.resize(static_cast<size_t>(size) * size);
  const double sx = static_cast<double>(image.width) / size;
  const double sy = static_cast<double>(image.height) / size;
  auto at = [&](int x, int y, int shift) {
    x = std::clamp(x, 0, image.width - 1);
    y = std::clamp(y, 0, image.height - 1);
    return static_cast<double>((image.argb[static_cast<size_t>(y) * image.width + x] >> shift) &
                               0xff);
  };
  for (int y = 0; y < size; ++y) {
    const double fy = std::max(0.0, (y + 0.5) * sy - 0.5);
    const int y0 = static_cast<int>(fy);
    const double wy = fy - y0;
    for (int x = 0; x < size; ++x) {
      const double fx = std::max(0.0, (x + 0.5) * sx - 0.5);
      const int x0 = static_cast<int>(fx);
      const double wx = fx - x0;
      uint32_t pixel = 0;
      for (int shift = 0; shift < 32; shift += 8) {  // premultiplied: channels interpolate alike
        const double v = (at(x0, y0, shift) * (1 - wx) + at(x0 + 1, y0, shift) * wx) * (1 - wy) +
                         (at(x0, y0 + 1, shift) * (1 - wx) + at(x0 + 1, y0 + 1, shift) * wx) * wy;
        pixel |= static_cast<uint32_t>(std::clamp(std::lround(v), 0L, 255L)) << shift;
      }
      out.argb[static_cast<size_t>(y) * size + x] = pixel;
    }
  }
  return out;
}

Result<CursorPng> cursorPng(const CursorImage& source, int cursor_size) {
  if (source.width <= 0 || source.height <= 0 || source.width > kMaxCursorSide ||
      source.height > kMaxCursorSide) {
    return fail("cursor image has no usable size");
  }
  const bool scale = cursor_size > 0 && cursor_size <= kMaxCursorSide &&
                     (cursor_size != source.width || cursor_size != source.height);
  const CursorImage image = scale ? scaleCursor(source, cursor_size) : source;
  std::vector<uint8_t> rgba(image.argb.size() * 4);
  bool transparent = true;
  for (size_t i = 0; i < image.argb.size(); ++i) {
    const uint32_t p = image.argb[i];
    const uint32_t a = p >> 24;
    transparent = transparent && a == 0;
    auto straight = [a](uint32_t c) {  // undo premultiplication
      return static_cast<uint8_t>(a == 0 ? 0 : std::min<uint32_t>(255, (c * 255 + a / 2) / a));
    };
    rgba[i * 4 + 0] = straight((p >> 16) & 0xff);
    rgba[i * 4 + 1] = straight((p >> 8) & 0xff);
    rgba[i * 4 + 2] = straight(p & 0xff);
    rgba[i * 4 + 3] = static_cast<uint8_t>(a);
  }
  auto png = encodePng(rgba, image.width, image.height);
  if (!png) return fail(png.error().message);
  return CursorPng{std::move(*png), transparent, image.xhot, image.yhot, image.serial};
}

Result<std::string> cursorJson(const CursorImage& source, int cursor_size) {
  auto png = cursorPng(source, cursor_size);
  if (!png) return fail(png.error().message);
  return cursorMessage(png->png, png->serial, png->transparent, png->xhot, png->yhot);
}

CursorWatcher::CursorWatcher(Display* dpy, Window root, int cursor_size, CursorDebug debug)
    : dpy_(dpy), cursor_size_(cursor_size), debug_(std::move(debug)) {
  XFixesSelectCursorInput(dpy_, root, XFixesDisplayCursorNotifyMask);
}

std::optional<std::string> CursorWatcher::current() { return fetch(std::nullopt); }

std::optional<std::string> CursorWatcher::onCursorNotify(uint64_t serial) { return fetch(serial); }

std::optional<std::string> CursorWatcher::fetch(std::optional<uint64_t> expected_serial) {
  auto lookup = [this](uint64_t serial) -> std::optional<std::string> {
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->first == serial) {
        cache_.splice(cache_.begin(), cache_, it);
        return cache_.front().second;
      }
    }
    return std::nullopt;
  };
  if (expected_serial) {
    if (auto hit = lookup(*expected_serial)) {
      if (debug_.enabled) {
        log::info("input", "cursor changed to cached serial " + std::to_string(*expected_serial));
      }
      return hit;
    }
  }
  XFixesCursorImage* raw = XFixesGetCursorImage(dpy_);
  if (raw == nullptr) {
    // Debian 12's X servers answer BadAccess for a cursor whose creating client has exited (a
    // root cursor set by xsetroot, say). Handle 0 tells the browser to show its default cursor
    // rather than keep the previous image.
    log::debug("input", "XFixesGetCursorImage failed; sending the default cursor");
    return cursorMessage("", 0, false, 0, 0);
  }
  CursorImage image;
  image.width = raw->width;
  image.height = raw->height;
  image.xhot = raw->xhot;
  image.yhot = raw->yhot;
  image.serial = raw->cursor_serial;
  image.argb.resize(static_cast<size_t>(raw->width) * raw->height);
  for (size_t i = 0; i < image.argb.size(); ++i) {
    image.argb[i] = static_cast<uint32_t>(raw->pixels[i]);  // unsigned long holds 32-bit ARGB
  }
  const int x = raw->x;
  const int y = raw->y;
  XFree(raw);
  if (auto hit = lookup(image.serial)) return hit;
  auto png = cursorPng(image, cursor_size_);
  if (!png) {
    log::debug("input",
               "cursor " + std::to_string(image.serial) + " not converted: " + png.error().message);
    return std::nullopt;
  }
  if (debug_.enabled) {
    log::info("input",
              "new cursor: position=" + std::to_string(x) + "," + std::to_string(y) +
                  ", size=" + std::to_string(image.width) + "x" + std::to_string(image.height) +
                  ", png bytes=" + std::to_string(png->png.size()) +
                  ", xyhot=" + std::to_string(image.xhot) + "," + std::to_string(image.yhot) +
                  ", cursor_serial=" + std::to_string(image.serial));
    dump(*png);
  }
  cache_.emplace_front(
      image.serial, cursorMessage(png->png, png->serial, png->transparent, png->xhot, png->yhot));
  if (cache_.size() > kCacheSize) cache_.pop_back();
  return cache_.front().second;
}

void CursorWatcher::dump(const CursorPng& png) {
  if (dumps_ >= kMaxCursorDumps) {
    if (dumps_++ == kMaxCursorDumps) {
      log::warn("input", "SELKIES_DEBUG_CURSORS: " + std::to_string(kMaxCursorDumps) +
                             " cursor PNGs written; no more are written");
    }
    return;
  }
  ++dumps_;
  const std::string path = debug_.dump_dir + "/cursor_" + std::to_string(png.serial) + ".png";
  // O_NOFOLLOW: a symlink planted in a shared /tmp never redirects the write.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  bool ok = fd >= 0;
  size_t done = 0;
  while (ok && done < png.png.size()) {
    const ssize_t n = ::write(fd, png.png.data() + done, png.png.size() - done);
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  if (fd >= 0) ::close(fd);
  if (!ok) log::warn("input", "SELKIES_DEBUG_CURSORS: cannot write " + path);
}

}  // namespace ds::input::detail
