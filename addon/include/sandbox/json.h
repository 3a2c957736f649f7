// A small JSON value, parser and writer: enough for the runtime config the CLI writes and the
// JSON-lines messages the native side sends back. Strict RFC 8259 input; no exceptions.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sandbox/error.h"

namespace sandbox::json {

class Value {
 public:
  enum class Kind { Null, Bool, Number, String, Array, Object };

  Value() = default;
  static Value boolean(bool b);
  static Value number(double d);
  static Value string(std::string s);
  static Value array();
  static Value object();

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_number() const { return kind_ == Kind::Number; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_array() const { return kind_ == Kind::Array; }
  bool is_object() const { return kind_ == Kind::Object; }

  bool as_bool(bool def = false) const { return is_bool() ? b_ : def; }
  double as_number(double def = 0) const { return is_number() ? n_ : def; }
  int64_t as_int(int64_t def = 0) const { return is_number() ? static_cast<int64_t>(n_) : def; }
  const std::string& as_string() const;  // "" unless a string
  const std::vector<Value>& items() const;  // empty unless an array
  const std::map<std::string, Value>& members() const;  // empty unless an object

  // Object lookup; returns a shared null Value when absent or not an object.
  const Value& operator[](const std::string& key) const;
  bool has(const std::string& key) const;
  // Strings of an array of strings (non-strings skipped).
  std::vector<std::string> strings() const;

  // Builders.
  Value& set(const std::string& key, Value v);  // object
  Value& push(Value v);                          // array

  std::string dump() const;  // compact, one line

 private:
  Kind kind_ = Kind::Null;
  bool b_ = false;
  double n_ = 0;
  std::string s_;
  std::vector<Value> a_;
  std::map<std::string, Value> o_;
};

// Parse a whole document. On failure returns false with err naming the byte offset.
bool parse(const std::string& text, Value& out, Error& err);

}  // namespace sandbox::json
