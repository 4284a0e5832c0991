// Making text from the network safe to print on a terminal.
#ifndef LIPSYNC_CLIENT_PRINTABLE_TEXT_H_
#define LIPSYNC_CLIENT_PRINTABLE_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace lipsync::client {

// Returns `text` with every ASCII control character (including newline, tab
// and ESC) and DEL replaced by a \xNN escape; other bytes, UTF-8 included,
// are kept. Server strings (error messages, task_status_msg, URLs) pass
// through it before reaching a terminal, so that a hostile or broken answer
// cannot move the cursor, rewrite earlier lines or break the one-line layout.
std::string PrintableText(absl::string_view text);

}  // namespace lipsync::client

#endif  // LIPSYNC_CLIENT_PRINTABLE_TEXT_H_
