"""The one way an uploaded file is taken in: every importer reads its rows through here.

An upload is hostile until proven otherwise. This module stores it (mode 0600, under
``var/imports/``, deleted on confirm, cancel or expiry), then reads it as rows of text with
every limit enforced *before* the bytes are expanded or parsed:

* the upload's size (``MAX_UPLOAD_BYTES``);
* a ``.gz`` is stream-decompressed with a cap on the bytes produced and on the ratio to its
  compressed size (a gzip bomb stops after ``MAX_EXPANDED_BYTES``, never in memory);
* an ``.xlsx`` is a zip: its members' declared *and* actual uncompressed sizes and their
  ratios are checked before openpyxl opens it (which parses XML with defusedxml, so no
  entity is expanded);
* rows, columns and characters per cell (``MAX_ROWS``, ``MAX_COLUMNS``, ``MAX_CELL_CHARS``);
* GeoJSON: size, nesting, and every feature shape;
* error reports keep the first ``MAX_REPORTED_ERRORS`` rows and count the rest.

Anything malformed is an :class:`~shezhi.common.errors.ImportRejected` naming the file or the
row, in Chinese and English — never a server error. Limits are module defaults that a
deployment overrides with ``SHEZHI_UPLOAD_<NAME>`` settings (README, configuration).
An importer only maps columns to its service call.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import heapq
import io
import json
import os
import time
import uuid
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.dispatch import Signal

from shezhi.common.errors import ImportRejected, Problem, RowError

# ----------------------------------------------------------------------------- limits

#: Defaults; each is overridden by ``settings.SHEZHI_UPLOAD_<NAME>``.
DEFAULTS: dict[str, int] = {
    "MAX_UPLOAD_BYTES": 50 * 1024 * 1024,  # the file as uploaded
    "MAX_EXPANDED_BYTES": 256 * 1024 * 1024,  # a .gz's content, or an .xlsx's members in total
    "MAX_RATIO": 100,  # expanded ÷ compressed, per .gz or zip member
    "RATIO_FLOOR_BYTES": 1024 * 1024,  # members smaller than this may compress better
    "MAX_ZIP_MEMBERS": 1000,
    "MAX_ROWS": 200_000,
    "MAX_COLUMNS": 64,
    "MAX_CELL_CHARS": 32_767,  # Excel's own limit per cell
    # All cells of a file together, as read: an .xlsx may reference one long shared string
    # from every cell, which costs nothing on disk but everything once echoed or processed.
    "MAX_TOTAL_CHARS": 100_000_000,
    "MAX_GEOJSON_BYTES": 64 * 1024 * 1024,
    "MAX_REPORTED_ERRORS": 1000,
    "LIFETIME_SECONDS": 24 * 3600,  # a stored upload nobody confirmed is deleted after this
}


def limit(name: str) -> int:
    """The limit ``name`` in force (settings override the module default)."""
    return int(getattr(settings, f"SHEZHI_UPLOAD_{name}", DEFAULTS[name]))


#: Sent before expired uploads are deleted, with ``cutoff`` (an aware datetime): apps
#: that keep records of pending uploads close them (e.g. people's import batches).
uploads_expiring = Signal()


def file_rejected(code: str, zh: str, en: str, line: int = 1) -> ImportRejected:
    """The whole file refused, for one reason."""
    return ImportRejected([RowError(line=line, problems=[Problem(code=code, zh=zh, en=en, field="file")])])


def shown(value: Any, length: int = 40) -> str:
    """A value quoted back in a message, cut short so a huge cell cannot inflate the report."""
    text = str(value)
    return text if len(text) <= length else text[:length] + "…"


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB"


# ----------------------------------------------------------------------------- error reports


class RowErrors:
    """Rejected rows of one import: the first ``MAX_REPORTED_ERRORS`` by line, and the count.

    Memory stays bounded however many rows are bad, and so does any page or response
    built from it.
    """

    def __init__(self, keep: int | None = None) -> None:
        self.keep = keep if keep is not None else limit("MAX_REPORTED_ERRORS")
        self.total = 0
        self._heap: list[tuple[int, int, RowError]] = []  # (-line, seq, error): the largest line on top

    def add(self, error: RowError) -> None:
        self.total += 1
        item = (-error.line, self.total, error)
        if len(self._heap) < self.keep:
            heapq.heappush(self._heap, item)
        elif self.keep and item > self._heap[0]:
            heapq.heapreplace(self._heap, item)

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def omitted(self) -> int:
        return self.total - len(self._heap)

    def shown(self) -> list[RowError]:
        return [e for _l, _s, e in sorted(self._heap, key=lambda t: (-t[0], t[1]))]

    def report(self) -> list[RowError]:
        """The rows shown, then (if any were left out) one line saying how many."""
        rows = self.shown()
        if self.omitted:
            rows.append(
                RowError(
                    line=0,
                    problems=[
                        Problem(
                            "more_errors",
                            f"共 {self.total} 行被拒绝，仅列出前 {len(rows)} 行",
                            f"{self.total} rows rejected in all; the first {len(rows)} are listed",
                            "file",
                        )
                    ],
                )
            )
        return rows

    def rejected(self) -> ImportRejected:
        exc = ImportRejected(self.report())
        exc.total = self.total  # type: ignore[attr-defined]
        return exc


# ----------------------------------------------------------------------------- storage


def upload_dir() -> Path:
    """``var/imports`` (0700): raw uploads wait here between preview and confirm."""
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


@dataclass(frozen=True)
class StoredUpload:
    path: Path
    filename: str
    sha256: str
    size: int

    def discard(self) -> None:
        discard(self.path)


def _private_file(suffix: str) -> tuple[Path, int]:
    path = upload_dir() / f"{uuid.uuid4().hex}{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return path, fd


def store(upload: IO[bytes], filename: str) -> StoredUpload:
    """Copy an upload in blocks to a private file, refusing it past ``MAX_UPLOAD_BYTES``."""
    cap = limit("MAX_UPLOAD_BYTES")
    if getattr(upload, "size", None) and upload.size > cap:  # type: ignore[attr-defined]
        raise _too_large(cap)
    if hasattr(upload, "seek"):
        upload.seek(0)
    path, fd = _private_file(".upload")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            for block in iter(lambda: upload.read(1 << 20), b""):
                size += len(block)
                if size > cap:
                    raise _too_large(cap)
                digest.update(block)
                out.write(block)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredUpload(path=path, filename=filename, sha256=digest.hexdigest(), size=size)


def store_bytes(data: bytes, filename: str) -> StoredUpload:
    return store(io.BytesIO(data), filename)


def local_file(path: str | Path) -> Path:
    """A file named on the command line, held to the same size limit as an upload."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise file_rejected("no_file", f"无法读取文件 {shown(p)}", f"cannot read {shown(p)}") from exc
    if size > limit("MAX_UPLOAD_BYTES"):
        raise _too_large(limit("MAX_UPLOAD_BYTES"))
    return p


def discard(path: str | Path) -> None:
    """Delete a stored upload (only ever a file under ``var/imports``)."""
    p = Path(path).resolve()
    if p.is_relative_to(upload_dir().resolve()):
        p.unlink(missing_ok=True)


def _too_large(cap: int) -> ImportRejected:
    return file_rejected("too_large", f"文件超过 {_mb(cap)} 上限", f"the file exceeds the {_mb(cap)} limit")


def expired(path: str | Path) -> ImportRejected:
    return file_rejected(
        "upload_expired", "上传的文件已过期或已处理，请重新上传", "the upload has expired; upload it again"
    )


def uploads_expire(now: float | None = None) -> int:
    """Delete stored uploads older than ``LIFETIME_SECONDS``; apps close their records first."""
    now = time.time() if now is None else now
    lifetime = limit("LIFETIME_SECONDS")
    cutoff = dt.datetime.fromtimestamp(now - lifetime, tz=dt.UTC)
    uploads_expiring.send(sender=None, cutoff=cutoff)
    n = 0
    root = upload_dir()
    for path in root.rglob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < now - lifetime:
                path.unlink(missing_ok=True)
                n += 1
        except OSError:
            continue
    return n


# ----------------------------------------------------------------------------- reading tables


def _cell(value: Any) -> str:
    """A cell as text. Numbers typed into Excel come back as int/float; keep their digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


class _Limits:
    """Row, column and cell checks shared by every table format."""

    def __init__(self) -> None:
        self.rows, self.columns, self.chars = limit("MAX_ROWS"), limit("MAX_COLUMNS"), limit("MAX_CELL_CHARS")
        self.total_chars, self.seen_chars = limit("MAX_TOTAL_CHARS"), 0
        self.n = 0

    def check(self, line: int, cells: list[str]) -> list[str]:
        while cells and not cells[-1]:
            cells.pop()  # trailing empty cells (Excel's formatted-but-empty columns) do not count
        if not cells:
            return cells
        self.n += 1
        if self.n > self.rows + 1:  # the header row is not a data row
            raise file_rejected(
                "too_many_rows", f"一次最多导入 {self.rows} 行", f"at most {self.rows} rows per file", line
            )
        if len(cells) > self.columns:
            raise file_rejected(
                "too_many_columns",
                f"第 {line} 行有 {len(cells)} 列，最多 {self.columns} 列",
                f"line {line} has {len(cells)} columns; at most {self.columns}",
                line,
            )
        for cell in cells:
            if len(cell) > self.chars:
                raise file_rejected(
                    "cell_too_long",
                    f"第 {line} 行有单元格超过 {self.chars} 个字符",
                    f"a cell on line {line} exceeds {self.chars} characters",
                    line,
                )
            self.seen_chars += len(cell)
        if self.seen_chars > self.total_chars:
            raise file_rejected(
                "too_much_text",
                f"文件内容超过 {self.total_chars} 个字符",
                f"the file holds more than {self.total_chars} characters",
                line,
            )
        return cells


def _is_zip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def _not_excel() -> ImportRejected:
    return file_rejected(
        "not_excel", "无法读取 Excel 文件（文件已损坏或不是 .xlsx）", "cannot read the Excel file"
    )


def _zip_bomb(zh: str, en: str) -> ImportRejected:
    return file_rejected("zip_bomb", f"Excel 文件异常：{zh}", f"the Excel file is suspicious: {en}")


def check_zip(path: Path) -> None:
    """Refuse a zip whose members would expand beyond the limits, by declaration or in fact."""
    cap, ratio, floor = limit("MAX_EXPANDED_BYTES"), limit("MAX_RATIO"), limit("RATIO_FLOOR_BYTES")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > limit("MAX_ZIP_MEMBERS"):
                raise _zip_bomb("成员文件过多", "too many members")
            declared = sum(i.file_size for i in infos)
            if declared > cap:
                raise _zip_bomb(f"解压后超过 {_mb(cap)}", f"expands beyond {_mb(cap)}")
            for info in infos:
                if info.file_size > floor and info.file_size > ratio * max(info.compress_size, 1):
                    raise _zip_bomb(f"压缩比超过 {ratio}:1", f"compression ratio above {ratio}:1")
            # The declared sizes may lie: expand each member once, counting, in blocks.
            actual = 0
            for info in infos:
                member = 0
                with zf.open(info) as fh:
                    while block := fh.read(1 << 20):
                        member += len(block)
                        actual += len(block)
                        if member > info.file_size or actual > cap:
                            raise _zip_bomb("实际大小与声明不符", "members larger than declared")
                        if member > floor and member > ratio * max(info.compress_size, 1):
                            raise _zip_bomb(f"压缩比超过 {ratio}:1", f"compression ratio above {ratio}:1")
    except ImportRejected:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        RuntimeError,
        NotImplementedError,
        ValueError,
    ) as exc:
        raise _not_excel() from exc


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    check_zip(path)
    limits = _Limits()
    # Never more columns than the limit (plus one to notice a wider row), whatever the
    # sheet's declared dimension; blank rows count towards a bound too.
    width, most_lines = limits.columns + 1, 2 * limits.rows + 1000
    fh = path.open("rb")  # a file object: openpyxl would judge a path by its extension
    try:
        try:
            workbook = load_workbook(fh, read_only=True, data_only=True)
            rows = workbook.worksheets[0].iter_rows(max_col=width, values_only=True)
        except Exception as exc:  # openpyxl raises many types on malformed parts: all mean "bad file"
            raise _not_excel() from exc
        line = 0
        while True:
            try:
                row = next(rows, None)
            except Exception as exc:  # malformed XML, entities refused by defusedxml, bad values
                raise file_rejected(
                    "bad_xml",
                    f"Excel 文件第 {line + 1} 行附近内容损坏，无法读取",
                    f"the Excel file is malformed near line {line + 1}",
                ) from exc
            if row is None:
                break
            line += 1
            if line > most_lines:
                raise file_rejected(
                    "too_many_rows", f"一次最多导入 {limits.rows} 行", f"at most {limits.rows} rows per file"
                )
            yield line, limits.check(line, [_cell(v) for v in row])
        workbook.close()
    finally:
        fh.close()


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030 (what Chinese Excel saves as “CSV”)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "gb18030"
    return "utf-8-sig"


def _bounded_lines(fh: IO[str], longest: int) -> Iterator[str]:
    """The file's lines, refusing one longer than any acceptable row before reading it whole."""
    n = 0
    while line := fh.readline(longest):
        n += 1
        if len(line) >= longest and not line.endswith(("\n", "\r")):
            raise file_rejected("line_too_long", f"第 {n} 行过长", f"line {n} is too long", n)
        yield line


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    encoding = _csv_encoding(path)
    limits = _Limits()
    chars = limits.chars
    old = csv.field_size_limit()
    with path.open("r", encoding=encoding, newline="") as fh:
        reader = csv.reader(_bounded_lines(fh, limits.columns * (chars + 3) + 2))
        line = 0
        while True:
            csv.field_size_limit(chars + 1)  # csv refuses longer fields before building them
            try:
                row = next(reader, None)
            except (UnicodeDecodeError, csv.Error) as exc:
                raise file_rejected(
                    "bad_csv",
                    f"第 {reader.line_num} 行附近无法解析 CSV（编码、格式错误或单元格过长）",
                    f"cannot parse the CSV near line {reader.line_num} (encoding, format or cell length)",
                    max(reader.line_num, 1),
                ) from exc
            finally:
                csv.field_size_limit(old)
            if row is None:
                break
            line = reader.line_num
            if any("\x00" in v for v in row):
                raise file_rejected(
                    "nul", f"第 {line} 行含有空字符（NUL）", f"line {line} contains NUL characters", line
                )
            yield line, limits.check(line, [v.strip() for v in row])


def _gunzip(path: Path) -> Path:
    """Stream-decompress a .gz to a private file, stopping at the size and ratio limits."""
    cap, ratio = limit("MAX_EXPANDED_BYTES"), limit("MAX_RATIO")
    compressed = max(path.stat().st_size, 1)
    allowed = min(cap, max(ratio * compressed, limit("RATIO_FLOOR_BYTES")))
    out_path, fd = _private_file(".expanded")
    written = 0
    try:
        with os.fdopen(fd, "wb") as out, gzip.open(path, "rb") as src:
            while block := src.read(1 << 16):
                written += len(block)
                if written > allowed:
                    raise file_rejected(
                        "gzip_bomb",
                        f"压缩文件解压后超过上限（{_mb(cap)}，压缩比 {ratio}:1）",
                        f"the compressed file expands beyond the limit ({_mb(cap)}, ratio {ratio}:1)",
                    )
                out.write(block)
    except ImportRejected:
        out_path.unlink(missing_ok=True)
        raise
    except (OSError, EOFError, zlib.error) as exc:
        out_path.unlink(missing_ok=True)
        raise file_rejected("bad_gzip", "压缩文件已损坏", "the compressed file is corrupt") from exc
    return out_path


def table_rows(path: str | Path, filename: str) -> Iterator[tuple[int, list[str]]]:
    """(line, cells as text) of an .xlsx (first sheet), CSV (UTF-8 or GB18030) or either .gz'd."""
    path = Path(path)
    if not path.exists():
        raise expired(path)
    name = filename.lower()
    expanded: Path | None = None
    if name.endswith(".gz"):
        expanded = path = _gunzip(path)
        name = name[:-3]
    try:
        zipped = _is_zip(path)
        if name.endswith((".xlsx", ".xlsm")) and not zipped:
            raise file_rejected(
                "not_excel",
                "文件扩展名为 .xlsx，但内容不是 Excel 工作簿",
                "the file is named .xlsx but is not an Excel workbook",
            )
        yield from (_xlsx_rows(path) if zipped else _csv_rows(path))
    finally:
        if expanded is not None:
            expanded.unlink(missing_ok=True)


def keyed_rows(
    path: str | Path,
    filename: str,
    *,
    columns: Mapping[str, str],
    required: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    expected: Sequence[str] = (),
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {key: text}) for every non-empty data row, after checking the header row.

    ``columns`` maps each accepted header (matched case-insensitively) to a key; a header
    missing a ``required`` key refuses the whole file, naming the columns by ``labels``.
    """
    by_header = {h.strip().lower(): k for h, k in columns.items()}
    labels = labels or {}
    header: list[str | None] | None = None
    for line, cells in table_rows(path, filename):
        if not any(cells):
            continue
        if header is None:
            header = [by_header.get(c.strip().lower()) for c in cells]
            missing = [labels.get(k, k) for k in required if k not in header]
            if missing:
                unknown = [shown(c, 20) for c, k in zip(cells, header, strict=True) if c and k is None][:10]
                raise ImportRejected(
                    [
                        RowError(
                            line=line,
                            problems=[
                                Problem(
                                    code="bad_header",
                                    field="header",
                                    zh=f"表头缺少必填列：{'、'.join(missing)}"
                                    + (f"（无法识别的列：{'、'.join(unknown)}）" if unknown else "")
                                    + (f"。应为：{'、'.join(expected)}" if expected else ""),
                                    en=f"missing required columns {missing}"
                                    + (f" (unrecognised: {unknown})" if unknown else ""),
                                )
                            ],
                        )
                    ]
                )
            continue
        yield line, {k: cells[i] for i, k in enumerate(header) if k and i < len(cells)}
    if header is None:
        raise file_rejected("empty_file", "文件中没有数据", "the file has no rows")


# ----------------------------------------------------------------------------- GeoJSON


def geojson_features(source: str | Path | bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    """(number, feature) of a GeoJSON FeatureCollection; a feature is always a dict whose
    ``properties`` is a dict and ``geometry`` a dict or None (its shape is the caller's to judge).
    """
    cap = limit("MAX_GEOJSON_BYTES")
    if isinstance(source, bytes):
        raw = source
        if len(raw) > cap:
            raise _too_large(cap)
    else:
        p = Path(source)
        if not p.exists():
            raise expired(p)
        if p.stat().st_size > cap:
            raise _too_large(cap)
        raw = p.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise file_rejected(
            "file_invalid", "文件不是有效的 GeoJSON（JSON 格式错误）", "the file is not valid GeoJSON"
        ) from exc
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise file_rejected(
            "file_invalid",
            "文件不是 GeoJSON FeatureCollection",
            "the file is not a GeoJSON FeatureCollection",
        )
    if len(features) > limit("MAX_ROWS"):
        raise file_rejected(
            "too_many_rows",
            f"一次最多导入 {limit('MAX_ROWS')} 个要素",
            f"at most {limit('MAX_ROWS')} features per file",
        )
    for n, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            feature = {}
        props = feature.get("properties")
        geometry = feature.get("geometry")
        yield (
            n,
            {
                "type": feature.get("type"),
                "properties": props if isinstance(props, dict) else {},
                "geometry": geometry if isinstance(geometry, dict) else None,
            },
        )
