#include "sandbox/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace sandbox::json {

Value Value::boolean(bool b) { Value v; v.kind_ = Kind::Bool; v.b_ = b; return v; }
Value Value::number(double d) { Value v; v.kind_ = Kind::Number; v.n_ = d; return v; }
Value Value::string(std::string s) { Value v; v.kind_ = Kind::String; v.s_ = std::move(s); return v; }
Value Value::array() { Value v; v.kind_ = Kind::Array; return v; }
Value Value::object() { Value v; v.kind_ = Kind::Object; return v; }

const std::string& Value::as_string() const {
  static const std::string empty;
  return is_string() ? s_ : empty;
}
const std::vector<Value>& Value::items() const {
  static const std::vector<Value> empty;
  return is_array() ? a_ : empty;
}
const std::map<std::string, Value>& Value::members() const {
  static const std::map<std::string, Value> empty;
  return is_object() ? o_ : empty;
}
const Value& Value::operator[](const std::string& key) const {
  static const Value null;
  if (!is_object()) return null;
  auto it = o_.find(key);
  return it == o_.end() ? null : it->second;
}
bool Value::has(const std::string& key) const { return is_object() && o_.count(key) > 0; }
std::vector<std::string> Value::strings() const {
  std::vector<std::string> out;
  for (const auto& v : items())
    if (v.is_string()) out.push_back(v.s_);
  return out;
}
Value& Value::set(const std::string& key, Value v) {
  if (!is_object()) *this = object();
  o_[key] = std::move(v);
  return *this;
}
Value& Value::push(Value v) {
  if (!is_array()) *this = array();
  a_.push_back(std::move(v));
  return *this;
}

namespace {

void dump_string(const std::string& s, std::string& out) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void dump_value(const Value& v, std::string& out) {
  switch (v.kind()) {
    case Value::Kind::Null: out += "null"; break;
    case Value::Kind::Bool: out += v.as_bool() ? "true" : "false"; break;
    case Value::Kind::Number: {
      double d = v.as_number();
      char buf[32];
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15)
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(d));
      else if (std::isfinite(d))
        std::snprintf(buf, sizeof buf, "%.17g", d);
      else
        std::snprintf(buf, sizeof buf, "null");
      out += buf;
      break;
    }
    case Value::Kind::String: dump_string(v.as_string(), out); break;
    case Value::Kind::Array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out += ',';
        first = false;
        dump_value(item, out);
      }
      out += ']';
      break;
    }
    case Value::Kind::Object: {
      out += '{';
      bool first = true;
      for (const auto& [k, item] : v.members()) {
        if (!first) out += ',';
        first = false;
        dump_string(k, out);
        out += ':';
        dump_value(item, out);
      }
      out += '}';
      break;
    }
  }
}

class Parser {
 public:
  Parser(const std::string& t, Error& e) : text_(t), err_(e) {}

  bool document(Value& out) {
    if (!value(out, 0)) return false;
    ws();
    if (pos_ != text_.size()) return fail("trailing characters");
    return true;
  }

 private:
  static constexpr int kMaxDepth = 64;
  const std::string& text_;
  Error& err_;
  size_t pos_ = 0;

  bool fail(const char* what) {
    err_.fail(std::string("invalid JSON at byte ") + std::to_string(pos_) + ": " + what, EINVAL);
    return false;
  }
  void ws() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t')) pos_++;
  }
  bool literal(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (text_.compare(pos_, n, word) != 0) return fail("unexpected token");
    pos_ += n;
    return true;
  }
  static void put_utf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool hex4(uint32_t& cp) {
    if (pos_ + 4 > text_.size()) return fail("short \\u escape");
    cp = 0;
    for (int i = 0; i < 4; i++) {
      char c = text_[pos_++];
      cp <<= 4;
      if (c >= '0' && c <= '9') cp |= c - '0';
      else if (c >= 'a' && c <= 'f') cp |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') cp |= c - 'A' + 10;
      else return fail("bad \\u escape");
    }
    return true;
  }
  bool string(std::string& out) {
    pos_++;  // opening quote
    while (pos_ < text_.size()) {
      unsigned char c = static_cast<unsigned char>(text_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20) return fail("control character in string");
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (pos_ >= text_.size()) break;
      char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo = 0;
            if (text_.compare(pos_, 2, "\\u") != 0) return fail("lone surrogate");
            pos_ += 2;
            if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(cp, out);
          break;
        }
        default: return fail("bad escape");
      }
    }
    return fail("unterminated string");
  }
  bool number(Value& out) {
    size_t start = pos_;
    if (text_[pos_] == '-') pos_++;
    while (pos_ < text_.size() && std::string_view("0123456789.eE+-").find(text_[pos_]) != std::string_view::npos) pos_++;
    std::string s = text_.substr(start, pos_ - start);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) return fail("bad number");
    out = Value::number(d);
    return true;
  }
  bool value(Value& out, int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    ws();
    if (pos_ >= text_.size()) return fail("unexpected end");
    char c = text_[pos_];
    if (c == '{') {
      pos_++;
      out = Value::object();
      ws();
      if (pos_ < text_.size() && text_[pos_] == '}') { pos_++; return true; }
      for (;;) {
        ws();
        if (pos_ >= text_.size() || text_[pos_] != '"') return fail("expected key");
        std::string key;
        if (!string(key)) return false;
        ws();
        if (pos_ >= text_.size() || text_[pos_] != ':') return fail("expected ':'");
        pos_++;
        Value v;
        if (!value(v, depth + 1)) return false;
        out.set(key, std::move(v));
        ws();
        if (pos_ < text_.size() && text_[pos_] == ',') { pos_++; continue; }
        if (pos_ < text_.size() && text_[pos_] == '}') { pos_++; return true; }
        return fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      pos_++;
      out = Value::array();
      ws();
      if (pos_ < text_.size() && text_[pos_] == ']') { pos_++; return true; }
      for (;;) {
        Value v;
        if (!value(v, depth + 1)) return false;
        out.push(std::move(v));
        ws();
        if (pos_ < text_.size() && text_[pos_] == ',') { pos_++; continue; }
        if (pos_ < text_.size() && text_[pos_] == ']') { pos_++; return true; }
        return fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      std::string s;
      if (!string(s)) return false;
      out = Value::string(std::move(s));
      return true;
    }
    if (c == 't') { if (!literal("true")) return false; out = Value::boolean(true); return true; }
    if (c == 'f') { if (!literal("false")) return false; out = Value::boolean(false); return true; }
    if (c == 'n') { if (!literal("null")) return false; out = Value(); return true; }
    if (c == '-' || (c >= '0' && c <= '9')) return number(out);
    return fail("unexpected character");
  }
};

}  // namespace

std::string Value::dump() const {
  std::string out;
  dump_value(*this, out);
  return out;
}

bool parse(const std::string& text, Value& out, Error& err) {
  Parser p(text, err);
  return p.document(out);
}

}  // namespace sandbox::json
