// Result<T>: an expected-style value-or-error for failures that are part of normal operation
// (bad peer input, missing plugin, unreadable file). C++20 has no std::expected; this is the
// small subset we use, with the same names so a later switch to std::expected is mechanical.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ds {

struct Error {
  std::string message;
};

template <typename E>
struct Unexpected {
  E error;
};

inline Unexpected<Error> fail(std::string message) { return {Error{std::move(message)}}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Unexpected<Error> e) : v_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected<Error> e) : ok_(false), error_(std::move(e.error)) {}  // NOLINT
  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  bool ok_ = true;
  Error error_;
};

using Status = Result<void>;

}  // namespace ds
