"""The user's prices: where they live, how they are layered, read and written.

Location (file ``pricing.json``):

* ``$SPENDTRAIL_CONFIG_DIR`` if set;
* Linux and other Unix: ``$XDG_CONFIG_HOME/spendtrail`` or ``~/.config/spendtrail``;
* macOS: ``~/Library/Application Support/Spendtrail``;
* Windows: ``%APPDATA%\\Spendtrail``.

The file has the same shape as the bundled catalog. An entry whose id equals a
bundled id overrides it (and remembers the bundled entry it was based on); other
ids are additions. Writes are atomic (temporary file in the same directory,
fsync, ``os.replace``) and keep the previous file as ``pricing.json.bak``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from pricing.bundled import entry_fingerprint
from pricing.catalog import ORIGIN_USER, Catalog, ModelEntry
from pricing.catalog_json import catalog_from_document, is_catalog_document, load_json_text
from pricing.errors import PricingFileError

USER_FILE_NAME = "pricing.json"
BACKUP_SUFFIX = ".bak"


def user_config_dir() -> Path:
    """Spendtrail's configuration directory for this user and platform."""
    override = os.environ.get("SPENDTRAIL_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA")
        return (Path(appdata) if appdata else home / "AppData" / "Roaming") / "Spendtrail"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Spendtrail"
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else home / ".config") / "spendtrail"


def default_user_file() -> Path:
    return user_config_dir() / USER_FILE_NAME


def read_user_file(path: Path) -> tuple[Catalog | None, list[str]]:
    """The user's catalog and any problems; never raises for a bad file.

    A missing file is not a problem. A file that cannot be read or parsed is
    reported and ignored as a whole; entries that are invalid are reported and
    skipped one by one.
    """
    suffix = "(user prices ignored; bundled prices still used)"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, []
    except (OSError, UnicodeDecodeError) as error:
        return None, [f"{path}: cannot be read ({error}) {suffix}"]
    try:
        document = load_json_text(text, str(path))
        if not is_catalog_document(document):
            raise PricingFileError(
                f'{path}: not a Spendtrail price file (expected "format": "spendtrail-pricing")'
            )
        catalog, problems = catalog_from_document(
            document, origin=ORIGIN_USER, name=str(path), strict=False
        )
    except PricingFileError as error:
        return None, [f"{error} {suffix}"]
    return catalog, problems


def read_user_file_strict(path: Path) -> Catalog | None:
    """Like :func:`read_user_file` but raises :class:`PricingFileError` on any problem.

    For editing: a file we could not read completely must not be overwritten.
    """
    catalog, problems = read_user_file(path)
    if problems:
        raise PricingFileError(
            "; ".join(problems) + f". Fix or move {path} first; it is left untouched until then."
        )
    return catalog


def layer(bundled: Catalog, user: Catalog | None) -> tuple[Catalog, dict[str, str]]:
    """The effective catalog: user entries first (they win ties), then the rest of bundled.

    Returns the catalog and, per overridden id, a note on whether the bundled
    price changed since the override was made.
    """
    if user is None or not user.entries:
        return bundled, {}
    bundled_by_id = bundled.by_id()
    notes: dict[str, str] = {}
    for entry in user.entries:
        base = bundled_by_id.get(entry.id)
        if base is not None:
            notes[entry.id] = override_note(entry, base)
    user_ids = {entry.id for entry in user.entries}
    entries = (*user.entries, *(e for e in bundled.entries if e.id not in user_ids))
    return Catalog(entries=entries, name=bundled.name, checked=bundled.checked), notes


def override_note(entry: ModelEntry, bundled: ModelEntry) -> str:
    """Words for a user override compared with the bundled entry it was based on."""
    if entry.based_on is None:
        return "user price replaces the bundled one"
    if entry.based_on.fingerprint == entry_fingerprint(bundled):
        return "user override of the bundled price (bundled price unchanged since)"
    latest = bundled.versions[-1].label
    return (
        "user override; the bundled price has changed since it was made (override based on "
        f"the bundled version of {entry.based_on.latest_effective_from}, bundled latest "
        f"version now {latest})"
    )


def bundled_changed(entry: ModelEntry, bundled: ModelEntry) -> bool:
    return entry.based_on is not None and entry.based_on.fingerprint != entry_fingerprint(bundled)


def atomic_write(path: Path, text: str, *, backup: bool = True) -> None:
    """Replace ``path`` with ``text`` atomically, keeping the old file as ``.bak``.

    If anything fails, the previous file is left as it was and the temporary
    file is removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    try:
        # keep the permissions of the file we replace; a new file is readable by others
        # like any config file (mkstemp would make it owner-only)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(temp, mode)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if backup and path.exists():
            _keep_backup(path)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_directory(path.parent)


def _keep_backup(path: Path) -> None:
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    handle, temp_name = tempfile.mkstemp(prefix=f".{backup.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        shutil.copyfile(path, temp)
        with temp.open("rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temp, backup)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _sync_directory(directory: Path) -> None:
    # Makes the rename itself durable on POSIX; Windows cannot open directories.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
