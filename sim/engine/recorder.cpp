#include "sim/engine/recorder.h"

namespace dtsim {
const char* span_kind_name(SpanKind kind) {
  switch (kind) {
    case SpanKind::Compute: return "compute";
    case SpanKind::Send: return "send";
    case SpanKind::Recv: return "recv";
    case SpanKind::Wait: return "wait";
    case SpanKind::Collective: return "collective";
    case SpanKind::Input: return "input wait";
  }
  return "?";
}
}  // namespace dtsim
