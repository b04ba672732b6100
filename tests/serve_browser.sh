#!/bin/sh
# tests/serve_browser.sh - the page of `fakejob serve` in headless Chromium (see tests/serve.sh).
exec sh "${top_srcdir:-.}/tests/serve.sh" browser
