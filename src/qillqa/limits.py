"""Every limit qillqa puts on untrusted input, in one place.

Leaflets, events and translations come from volunteers and strangers, so every file
qillqa reads has a size limit, every text a length limit, and every output is built in
a worker process with a time and memory budget (:class:`Budget`, settable per project in
``qillqa.toml``'s ``[limits]``). SECURITY.md lists these numbers; a test backs each.
"""

from __future__ import annotations

from dataclasses import dataclass

#: qillqa.toml, leaflet.toml, format.toml, Markdown text and events.csv.
MAX_TEXT_FILE_BYTES = 2_000_000
#: A PO or POT file (a twelve-page pamphlet's is about 100 KB; checking 2 MB of the worst
#: Markdown takes seconds).
MAX_CATALOG_BYTES = 2_000_000
#: A file a template or stylesheet loads from the project (an image, a font).
MAX_RESOURCE_BYTES = 25_000_000
#: A ``data:`` URI in a template, stylesheet or SVG file (characters).
MAX_DATA_URI_CHARS = 5_000_000
#: A raster image's pixels (width x height): a small PNG can decode to gigabytes.
MAX_IMAGE_PIXELS = 60_000_000
#: An SVG file's elements, counting every copy that ``<use>`` makes.
MAX_SVG_ELEMENTS = 50_000
#: How deeply elements may nest, in a page's HTML or in an SVG file.
MAX_NESTING = 200
#: One translation or source text, in characters: far more than any page can print.
MAX_MESSAGE_CHARS = 20_000
#: A translation may be at most this many times as long as its source (Quechua runs about
#: 1.5 times English), or ``MIN_LENGTH_ALLOWED`` characters for a short source: a longer one
#: cannot fit, and would only make every layout attempt slow.
MAX_LENGTH_RATIO = 8
MIN_LENGTH_ALLOWED = 400
#: A field of events.csv, in characters.
MAX_CSV_FIELD_CHARS = 10_000
#: A city's name in events.csv (it names a folder and files).
MAX_CITY_CHARS = 80
#: A link's address (it is printed as a QR code, which holds about 2,300 characters at most).
MAX_URL_CHARS = 1000


@dataclass(frozen=True)
class Budget:
    """What building one output may take: wall-clock seconds and memory (address space, MB)."""

    seconds: int = 180
    memory_mb: int = 2048


DEFAULT_BUDGET = Budget()
