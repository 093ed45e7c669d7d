#!/usr/bin/env bash
# Build a one-folder app with PyInstaller into dist/spendtrail-<version>/.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(python3 -c "import desktop; print(desktop.__version__)")
python3 -m pip install --quiet pyinstaller
python3 -m PyInstaller --noconfirm --clean --distpath "dist/spendtrail-$version" packaging/spendtrail.spec
echo "built dist/spendtrail-$version/spendtrail"
