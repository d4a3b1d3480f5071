#include "controlplane/apiserver/patch/json_patch.h"

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace orch::apiserver::patch {
namespace {

using Pointer = std::vector<std::string>;

// Splits and unescapes an RFC 6901 pointer.
Result<Pointer> parsePointer(const std::string& s) {
  Pointer out;
  if (s.empty()) return out;
  if (s[0] != '/') return Status::invalid("JSON pointer \"" + s + "\" does not start with '/'");
  std::string token;
  for (size_t i = 1; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '/') {
      out.push_back(std::move(token));
      token.clear();
    } else if (s[i] == '~') {
      if (i + 1 < s.size() && (s[i + 1] == '0' || s[i + 1] == '1')) {
        token += s[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        return Status::invalid("JSON pointer \"" + s + "\" has a '~' not followed by 0 or 1");
      }
    } else {
      token += s[i];
    }
  }
  return out;
}

// An array index token: "0" or digits without a leading zero, bounded by `limit`.
std::optional<size_t> arrayIndex(const std::string& token, size_t limit) {
  if (token.empty() || token.size() > 18) return std::nullopt;
  if (token.size() > 1 && token[0] == '0') return std::nullopt;
  size_t v = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  if (v > limit) return std::nullopt;
  return v;
}

// The value at the first `n` tokens of `p`, or nullptr.
Json* resolve(Json& doc, const Pointer& p, size_t n) {
  Json* cur = &doc;
  for (size_t i = 0; i < n; ++i) {
    if (cur->is_object()) {
      auto it = cur->find(p[i]);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      auto idx = arrayIndex(p[i], cur->size());
      if (!idx || *idx >= cur->size()) return nullptr;
      cur = &(*cur)[*idx];
    } else {
      return nullptr;
    }
  }
  return cur;
}

Status missing(std::string_view op, const std::string& path) {
  return Status::invalid("jsonpatch " + std::string(op) +
                         " operation does not apply: doc is missing path: " + path);
}

Status addAt(Json& doc, const Pointer& p, const std::string& path, Json value) {
  if (p.empty()) {
    doc = std::move(value);
    return Status::ok();
  }
  Json* parent = resolve(doc, p, p.size() - 1);
  if (parent == nullptr) return missing("add", path);
  const std::string& last = p.back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
  } else if (parent->is_array()) {
    if (last == "-") {
      parent->push_back(std::move(value));
    } else {
      auto idx = arrayIndex(last, parent->size());
      if (!idx) {
        return Status::invalid("jsonpatch add operation does not apply: index out of bounds: " +
                               path);
      }
      parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(*idx), std::move(value));
    }
  } else {
    return missing("add", path);
  }
  return Status::ok();
}

Status removeAt(Json& doc, const Pointer& p, const std::string& path, std::string_view op) {
  if (p.empty()) {
    return Status::invalid("jsonpatch " + std::string(op) +
                           " operation does not apply: cannot remove the whole document");
  }
  Json* parent = resolve(doc, p, p.size() - 1);
  if (parent == nullptr) return missing(op, path);
  const std::string& last = p.back();
  if (parent->is_object()) {
    if (parent->erase(last) == 0) return missing(op, path);
  } else if (parent->is_array()) {
    auto idx = arrayIndex(last, parent->size());
    if (!idx || *idx >= parent->size()) return missing(op, path);
    parent->erase(*idx);
  } else {
    return missing(op, path);
  }
  return Status::ok();
}

// A required string member of an operation.
Result<std::string> stringMember(const Json& op, const char* name) {
  auto it = op.find(name);
  if (it == op.end()) return Status::invalid(std::string("missing \"") + name + "\"");
  if (!it->is_string()) {
    return Status::invalid(std::string("\"") + name + "\" must be a string, got " +
                           api::jsonTypeName(*it));
  }
  return it->get<std::string>();
}

Status applyOne(Json& doc, const Json& op) {
  if (!op.is_object()) {
    return Status::invalid(std::string("operation must be an object, got ") +
                           api::jsonTypeName(op));
  }
  ORCH_ASSIGN_OR_RETURN(std::string kind, stringMember(op, "op"));
  ORCH_ASSIGN_OR_RETURN(std::string path, stringMember(op, "path"));
  ORCH_ASSIGN_OR_RETURN(Pointer p, parsePointer(path));
  auto value = op.find("value");
  auto needValue = [&]() -> Status {
    if (value == op.end()) return Status::invalid("\"" + kind + "\" operation missing \"value\"");
    return Status::ok();
  };
  if (kind == "add") {
    ORCH_RETURN_IF_ERROR(needValue());
    return addAt(doc, p, path, *value);
  }
  if (kind == "remove") return removeAt(doc, p, path, "remove");
  if (kind == "replace") {
    ORCH_RETURN_IF_ERROR(needValue());
    Json* target = resolve(doc, p, p.size());
    if (target == nullptr) return missing("replace", path);
    *target = *value;
    return Status::ok();
  }
  if (kind == "test") {
    ORCH_RETURN_IF_ERROR(needValue());
    Json* target = resolve(doc, p, p.size());
    if (target == nullptr) return missing("test", path);
    // nlohmann compares numbers by value (1 == 1.0), as RFC 6902 section 4.6 requires.
    if (*target != *value) return Status::invalid("testing value " + path + " failed: test failed");
    return Status::ok();
  }
  if (kind == "move" || kind == "copy") {
    ORCH_ASSIGN_OR_RETURN(std::string from, stringMember(op, "from"));
    ORCH_ASSIGN_OR_RETURN(Pointer f, parsePointer(from));
    Json* source = resolve(doc, f, f.size());
    if (source == nullptr) return missing(kind, from);
    Json moved = *source;
    if (kind == "move") {
      if (from == path) return Status::ok();
      if (path.size() > from.size() && path.compare(0, from.size(), from) == 0 &&
          path[from.size()] == '/') {
        return Status::invalid("jsonpatch move operation does not apply: cannot move " + from +
                               " into its own child " + path);
      }
      ORCH_RETURN_IF_ERROR(removeAt(doc, f, from, "move"));
    }
    return addAt(doc, p, path, std::move(moved));
  }
  return Status::invalid("unknown operation \"" + kind + "\"");
}

}  // namespace

Result<Json> applyJsonPatch(const Json& doc, const Json& patch) {
  if (!patch.is_array()) {
    return Status::invalid(
        std::string("json patch: the patch must be an array of operations, got ") +
        api::jsonTypeName(patch));
  }
  try {
    Json out = doc;
    for (size_t i = 0; i < patch.size(); ++i) {
      Status s = applyOne(out, patch[i]);
      if (!s.isOk()) {
        return Status::invalid(s.context() + " (operation " + std::to_string(i) + ")");
      }
    }
    return out;
  } catch (const std::exception& e) {
    return Status::invalid(std::string("json patch: ") + e.what());
  }
}

}  // namespace orch::apiserver::patch
