"""Registry of the public data releases: what each file is, its checksum, where to get it.

Release files are never part of this package. Each file is looked up, in this order, in

1. ``$UPSCATTER_DATA/<dataset>/<file>`` (a folder laid out like the project's ``shared/data``),
2. the user cache ``<cache>/<dataset>/<file>``, where ``<cache>`` is ``$UPSCATTER_CACHE`` if set,
   else ``pooch.os_cache("upscatter")``,

and the first copy that passes verification is used. A copy passes when its sha256 equals the
registry's (the project mirror's bytes) or, for files whose official original is known to differ
(header-stripped mirror copies) or to be identical, when its MD5 equals the MD5 of the official
release file. The verification is cached per (path, mtime, size), so repeated look-ups are cheap.

:func:`fetch` downloads a dataset into the user cache with pooch from a mirror laid out like
``shared/data`` (``<base_url>/<dataset>/<file>``); there is no automatic download from the
official locations because several official files differ byte-wise from the mirror.

Provenance of every entry: ``shared/data/*/SOURCE.md`` and ``shared/data/MANIFEST.json``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import numpy as np
import pooch

from ._validate import lookup
from .errors import DataError, ParameterError

DATA_ENV = "UPSCATTER_DATA"
CACHE_ENV = "UPSCATTER_CACHE"
URL_ENV = "UPSCATTER_DATA_URL"

#: Timeout of each HTTP request made by :func:`fetch` [s].
DOWNLOAD_TIMEOUT = 30.0

#: Verification states reported by :func:`verify`.
OK = "ok"
OK_ORIGINAL = "ok-original"
MISSING = "missing"
CORRUPTED = "corrupted"


@dataclass(frozen=True)
class DataFile:
    """One file of a release as held by the project mirror.

    Attributes
    ----------
    name : str
        Path relative to the dataset folder, with ``/`` separators (``"Data/brnpdf.txt"``).
    sha256 : str
        SHA-256 of the mirror copy (hex).
    original_md5 : str or None
        MD5 of the official release file when a public list gives it. Equal to the mirror's MD5
        when the mirror copy is byte-identical to the original.
    header_stripped : bool
        True when the mirror copy had its comment header removed, so it differs from the
        official file (whose MD5 is then ``original_md5``).
    note : str
        Caveat about this copy, empty when there is none.
    """

    name: str
    sha256: str
    original_md5: str | None = None
    header_stripped: bool = False
    note: str = ""


@dataclass(frozen=True)
class Dataset:
    """A public data release.

    Attributes
    ----------
    name : str
        Folder name, also the key in :data:`DATASETS`.
    description : str
        What the release contains.
    release : str
        Official release location (DOI resolver URL or download URL, as given in SOURCE.md).
    citation : str
        What to cite when using the files.
    files : tuple of DataFile
        Every file of the release held by the mirror.
    not_mirrored : tuple of str
        Files of the official release that the mirror does not hold.
    notes : str
        Caveats about the release location or the copies.
    """

    name: str
    description: str
    release: str
    citation: str
    files: tuple[DataFile, ...]
    not_mirrored: tuple[str, ...] = ()
    notes: str = ""

    @property
    def filenames(self) -> tuple[str, ...]:
        """Relative paths of the registered files."""
        return tuple(f.name for f in self.files)

    def file(self, filename: str) -> DataFile:
        """Registry entry of ``filename``; ParameterError listing the known files otherwise."""
        return lookup(f"file of {self.name}", {f.name: f for f in self.files}, filename)


_CSI2017_STRIPPED = (
    "MODIFIED copy: header removed by the redistributor (pyCEvNS); numbers believed unchanged, "
    "not verified against the Zenodo original"
)
_LAR_NOTE = "byte-identical to Zenodo 3903810 v1.0 (MD5 matches the provider list)"
_CSI2017_NOTE = "byte-identical to Zenodo 1228631 (MD5 matches the provider list)"

DATASETS: dict[str, Dataset] = {
    "coherent_csi_2017": Dataset(
        name="coherent_csi_2017",
        description=(
            "COHERENT CsI[Na] first-observation release (14.6 kg at 19.3 m, 7.47594 GWh): "
            "beam-on/off coincidence and anti-coincidence counts in PE x arrival time, "
            "neutrino and prompt-neutron arrival-time PDFs, prompt-neutron PE spectrum, "
            "acceptance and quenching parameters, quenching-factor measurements."
        ),
        release="https://doi.org/10.5281/zenodo.1228631",
        citation=(
            "D. Akimov et al. (COHERENT), Science 357, 1123 (2017), arXiv:1708.01294; "
            "COHERENT data release arXiv:1804.09459, Zenodo doi:10.5281/zenodo.1228631"
        ),
        files=(
            DataFile(
                "arrivalTimePDF_delayedNeutrinos.txt",
                "6d8b4054173ca7d4f612b2ead7ce563e99eb99af9f4fc8d7b8b47c06cd5b640f",
                original_md5="fd5d053696ba30164cd3711b38b8eaa5",
                header_stripped=True,
                note=_CSI2017_STRIPPED,
            ),
            DataFile(
                "arrivalTimePDF_promptNeutrinos.txt",
                "2c92dd58f1366b7844e6ea0c73f016069a2c9b7d4538374259c00c370b9eb66a",
                original_md5="d5009119454ec8ed3b5a31bf8d1e82e5",
                header_stripped=True,
                note=_CSI2017_STRIPPED,
            ),
            DataFile(
                "arrivalTimePDF_promptNeutrons.txt",
                "f3992ea6d88a3da80f5134a00e4a7b784c119c9adeed9bc9649f4134e203fb11",
                original_md5="400d86635b180b52e51b429ec5fe5965",
                header_stripped=True,
                note=_CSI2017_STRIPPED,
            ),
            DataFile(
                "coherent_parameters.yaml",
                "daa4f3feaeb5499cb1d876f8ea39f3cfd571f998a6ab92e9cdf552afc78b67e8",
                original_md5="66b907201dcd7cccfb9af0a1b35893a7",
                note=_CSI2017_NOTE,
            ),
            DataFile(
                "data_anticoincidence_beamOff.txt",
                "efc91013ae0859631882513155761b423ddd08cb5062b6dfd9c17a7bd34f1e7d",
                original_md5="c6371164b444b9357e004299c591546a",
                header_stripped=True,
                note=_CSI2017_STRIPPED,
            ),
            DataFile(
                "data_anticoincidence_beamOn.txt",
                "8b180f9395dc8886f8be02f619e35903f151f8b15f7cbc5a0171ac7e59e59523",
                original_md5="4067e588ff44d0a210655eacb987e2d7",
                header_stripped=True,
                note=_CSI2017_STRIPPED,
            ),
            DataFile(
                "data_coincidence_beamOff.txt",
                "47e7904cd55929f6f84e9a58567b223cfcd6741af38f8b54091bbcc8756e9ae8",
                original_md5="529e822eb3a144170cd03d9d9628b4fa",
                header_stripped=True,
                note=_CSI2017_STRIPPED,
            ),
            DataFile(
                "data_coincidence_beamOn.txt",
                "f9e8b795a48eb1f3a22cdca33cad978e5dc17fe56ea8f6a0bf32d18967051765",
                original_md5="23f399e605e94401a611c23c37090a31",
                header_stripped=True,
                note=_CSI2017_STRIPPED,
            ),
            DataFile(
                "promptPDF.txt",
                "6e74171096abb2e9a3fac3c1b1c85f3973501627b88b2a83de7e7e5121601efa",
                original_md5="faf1a4b6b27cd9fa685e17ddd38a00cf",
                note=_CSI2017_NOTE,
            ),
            DataFile(
                "qfData_chicago.txt",
                "31046d48092e619eb84f06acdf09ea8e86c642da6aa368c10fe338480b90a04f",
                original_md5="b9dec892fb9d6c7502ed03446ddd0305",
                note=_CSI2017_NOTE,
            ),
            DataFile(
                "qfData_tunl.txt",
                "9e3c83e669c52be27ce47d588bbeb5d5400fadbc5625c41aa665d03c99186f94",
                original_md5="93b016293c04c741c3088bced0a5c015",
                note=_CSI2017_NOTE,
            ),
        ),
        not_mirrored=("README", "coherentCollaboration_dataReleaseCompanion_april2018.pdf"),
        notes=(
            "The DOI is the one given by the project brief and a third-party arXiv listing; the "
            "files do not print it. Seven mirror files are header-stripped copies, so their "
            "hashes differ from the Zenodo originals (whose MD5 the registry knows)."
        ),
    ),
    "coherent_csi_2021": Dataset(
        name="coherent_csi_2021",
        description=(
            "COHERENT CsI[Na] full data set (arXiv ancillary files): beam-coincident and "
            "anti-coincident event lists (PE, t_rec), BRN and NIN energy and timing shapes, "
            "efficiency and scintillation-response coefficients."
        ),
        release="https://arxiv.org/src/2110.07730v2/anc/",
        citation=(
            "D. Akimov et al. (COHERENT), Phys. Rev. Lett. 129, 081801 (2022), "
            "arXiv:2110.07730 (ancillary files)"
        ),
        files=tuple(
            DataFile(name, sha256, note="arXiv ancillary file as redistributed; not verified")
            for name, sha256 in (
                ("brnPE.txt", "0000b042b8d0d28b90370eb70d1409db1d8c510fcf2b3e636370b0d4443ac0b0"),
                ("brnTrec.txt", "6f279d835242a868dfc048abaa42b8c400bf961036de7bc7e64636efdd46466f"),
                (
                    "dataBeamOnAC.txt",
                    "f530d4a50e889333ada0e739db2e36d7f9f3b783822c8c6e932dae88ce071639",
                ),
                (
                    "dataBeamOnC.txt",
                    "0a188a0291af06dd023d966d1c9fea7a82ec32d8c1a10750fd09c2b17f10a749",
                ),
                (
                    "effCoefficients.txt",
                    "f1e58e6b8ec4db53da3be21fe44ebc4621e9b248b920be09759b1000dada8c51",
                ),
                ("ninPE.txt", "41cae0376003cc2dcd028a3913e7c16395471f612b56d311f80e2a6071c9950c"),
                ("ninTrec.txt", "2bb034d648b312f4ee329ae95078dc748ff3f83b999c411b08f86d82ddf8e151"),
                (
                    "scintRespCoefficients.txt",
                    "ea6b8f34b296bf6e99f2a4ac504030d99155daba3e3c252f51c87d2470319d13",
                ),
            )
        ),
        not_mirrored=("Paper_CEvNSCsI_FullDataset_SupMaterials.pdf", "snsFlux2D.root"),
        notes=(
            "The download base is the one written by a third-party script; no reference "
            "checksum of the arXiv files exists, so byte-identity is not verified. The copies "
            "hold no event with t_rec >= 6 us."
        ),
    ),
    "coherent_lar_2020": Dataset(
        name="coherent_lar_2020",
        description=(
            "COHERENT CENNS-10 liquid-argon release, Analysis A (24.4 kg at 27.5 m, 6.12 GWh): "
            "3D (energy, F90, t_trig) data and CEvNS/BRN/delayed-BRN/steady-state PDFs, "
            "systematic variants, 1D projections, efficiency, parameters, companion."
        ),
        release="https://doi.org/10.5281/zenodo.3903810",
        citation=(
            "D. Akimov et al. (COHERENT), Phys. Rev. Lett. 126, 012002 (2021), arXiv:2003.10630; "
            "COHERENT data release arXiv:2006.12659, Zenodo doi:10.5281/zenodo.3903810"
        ),
        files=(
            DataFile(
                "CENNS10DataReleaseCompanion.pdf",
                "c783d98058d58a013f303f7fc12a83fcdf03ffee8bc649faece025ac1a2d4b09",
                note=(
                    "pre-Zenodo draft of the companion (DOI fields read XXXX); differs from the "
                    "Zenodo file, whose MD5 is only known to begin with f0f67a11"
                ),
            ),
            *(
                DataFile(f"Data/{name}", sha256, original_md5=md5, note=_LAR_NOTE)
                for name, sha256, md5 in (
                    (
                        "CENNS10AnlAEfficiency.txt",
                        "21ce25451c1ed552752ff4a22496deab3ff5dba178bf360813eaff1d25be89e2",
                        "77139f1bb79dcf972a3a0ecc28a4a8f5",
                    ),
                    (
                        "LArParametersAnlA.yaml",
                        "a206a77220436d0173c4783ae8fddeab97adf5e144f3d65005eff0870257693e",
                        "cc9f2c60ce0c17809453e0caad9c4a38",
                    ),
                    (
                        "OneDProjections/energydata1d.txt",
                        "d691284e875fb24e72787016f118c171974ca68fa6005da7ea653ca66059aa04",
                        "fb4122f9309e16df39de4d3f3224af56",
                    ),
                    (
                        "OneDProjections/f90data1d.txt",
                        "e82988ec2fdb871f21850ceea866213310ee81dca656ee4448282748037f1579",
                        "4fa866380574a7d70f719ffcbab11806",
                    ),
                    (
                        "OneDProjections/timingdata1d.txt",
                        "fb1054fac8baf2f527b51e6bd45e4341da45fe80dadce815a3d1cad08d729554",
                        "a467365800489d105f7305a38751c9e5",
                    ),
                    (
                        "SystErrors/brnpdf+1sigBRNTimingMean.txt",
                        "7f06099e1bba0d2e328555c61cb255bb290607a44202327d29eb3ae3e05c1cd5",
                        "edf00a561d1f934d3e8bef2c401e8d91",
                    ),
                    (
                        "SystErrors/brnpdf+1sigEnergy.txt",
                        "fb6fdaf99c9941653d33e1a909d8000b81c1ee9bb8e8ad3bf31839561faf6661",
                        "2ad879a7302d8ca2e25ef1e192f88183",
                    ),
                    (
                        "SystErrors/brnpdf-1sigBRNTimingMean.txt",
                        "b5c1c8d0cb8b2319d093d38418da5ac2ccda59108755fb23e7f4a559cfe154f8",
                        "937c7c0f53aff94600ed7dfffb69de8b",
                    ),
                    (
                        "SystErrors/brnpdf-1sigEnergy.txt",
                        "20bcad29e716f3fb0f1e9eeb8ffb049b4b3d8b3b3a150800b9c8711e2b177be6",
                        "ea7dd87225a19fe75f28d3dec00e7441",
                    ),
                    (
                        "SystErrors/brnpdfBRNTimingWidthSyst.txt",
                        "304dba1553989d7c0cd3f745df9731a5306ec07ecc1044c20efbe2952707b270",
                        "5050ef987d122fae43eeef27b86ec1b2",
                    ),
                    (
                        "SystErrors/cevnspdf+1sigF90.txt",
                        "308f78e19b7fb3e54399dc29c207bd2a89b91825df5309d48068a3495e1c92e2",
                        "0237a293b243b371459bcb19bc2fa116",
                    ),
                    (
                        "SystErrors/cevnspdf-1sigF90.txt",
                        "b4e8071f87aa22a562e0c00654a0989915251acf2c7e569068b9b78c3ae5ac35",
                        "b9bd9500b0c84b851f0d38e4869cad0f",
                    ),
                    (
                        "SystErrors/cevnspdfCEvNSTimingMeanSyst.txt",
                        "3170dafd4cf44df35bde0795e1245606d8144c05f3e50f015648c57bcdba97f5",
                        "24455c1cd2acf4f359cf0942deb7b29b",
                    ),
                    (
                        "bkgpdf.txt",
                        "36c89291dde3032a19ca7a8e64510d036d7b40c34b0805ce475a13ccfa739dd1",
                        "ccc2df245a004a644cd04317d07b35df",
                    ),
                    (
                        "brnpdf.txt",
                        "02664ce6a84eca8c6146b6502497bc5d8165df945da132193622334ff4ff826f",
                        "7ccf0fdc0d0010d2c6570d620816e4df",
                    ),
                    (
                        "cevnspdf.txt",
                        "3b1d5b25749e8d8e1cfdf5c32e48f026ce4aafec0a80632b3a63273e6e0e1f37",
                        "5601234e03bc9bbd01066591629e72c0",
                    ),
                    (
                        "datanobkgsub.txt",
                        "dabf3d80f13959f4b94b77c9b56f7347a645105801e8cc177424e7ffcf7c7f66",
                        "4346ec521e91a7227b2e34ff8f3c269b",
                    ),
                    (
                        "delbrnpdf.txt",
                        "ebccca6c1650b0ace71fdbaade7a80ea289a99ff3c120266ae6ecf0083df5c63",
                        "5d57e91a773f03368d149dc5739b6a01",
                    ),
                    (
                        "systerrors1denergy.txt",
                        "09fd74b1bc242f1638dae465eefc97e374a2e6efa0aaa1b4452f1ee20dd42aed",
                        "d933e52f2c0dd8987e3535640194065f",
                    ),
                    (
                        "systerrors1dpsd.txt",
                        "a553c63ce5861d63c139aa18d3ece0f5e9d32be2029eb2a7474b8e4e39000c0f",
                        "2d0cb7ca23e3b0a3edfd2f0cb0e9d5dd",
                    ),
                    (
                        "systerrors1dtime.txt",
                        "a7719f21aa5c8820f6ed65d385d7ba14f55631976a6ca289d8685081599529be",
                        "98c920d71497cfa8b35bbd18fc8975c3",
                    ),
                )
            ),
        ),
        not_mirrored=("ExampleCode/PlotExtractedData.C", "ExampleCode/readYAMLParameters.py"),
        notes=(
            "Other locations named in the companion: http://coherent.ornl.gov/data and "
            "https://code.ornl.gov/COHERENT/cenns10datarelease2020. The 21 data files are "
            "byte-identical to Zenodo v1.0; the companion PDF is an earlier draft."
        ),
    ),
    "reactor_huber2011": Dataset(
        name="reactor_huber2011",
        description=(
            "Huber (2011) reactor antineutrino spectra per fission for U235, Pu239, Pu241, "
            "2-8 MeV in 250 keV steps, with fractional uncertainties by source."
        ),
        release="https://www1.phys.vt.edu/~pahuber/reactorfluxes/",
        citation="P. Huber, Phys. Rev. C 84, 024617 (2011), arXiv:1106.0687",
        files=tuple(
            DataFile(name, sha256, note="author's table as redistributed; no reference checksum")
            for name, sha256 in (
                (
                    "Pu239-anti-neutrino-flux-250keV.dat",
                    "27b8130c4cc60af578f40f1fcd7f61207355260b8cb34b0b87f40488d9266bd7",
                ),
                (
                    "Pu241-anti-neutrino-flux-250keV.dat",
                    "daaffb46bc2387fc7b4f2cd73eb72387acb28045f1dc2fbc9044b7c7dd281258",
                ),
                (
                    "U235-anti-neutrino-flux-250keV.dat",
                    "ad111f8b565f4d70b75b1cca57fb1e6c283530906dd8dc348d0c92117a84cfdb",
                ),
            )
        ),
        notes=(
            "The author's download page is quoted from a third-party README; the file headers "
            "name no URL. U238 is not part of these tables."
        ),
    ),
}


def get_dataset(name: str) -> Dataset:
    """Registry entry of dataset ``name``; ParameterError listing the known datasets otherwise."""
    return lookup("dataset", DATASETS, name)


def data_dir() -> Path | None:
    """The folder named by ``$UPSCATTER_DATA``, or None when the variable is unset or empty."""
    value = os.environ.get(DATA_ENV, "")
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """The download cache: ``$UPSCATTER_CACHE`` if set, else ``pooch.os_cache("upscatter")``."""
    value = os.environ.get(CACHE_ENV, "")
    return Path(value).expanduser() if value else Path(pooch.os_cache("upscatter"))


def _candidates(dataset: str, filename: str) -> list[Path]:
    roots = [root for root in (data_dir(), cache_dir()) if root is not None]
    return [root / dataset / filename for root in roots]


def _digest(file: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm, usedforsecurity=False)
    with file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_VERIFIED: dict[tuple[str, int, int, str], str] = {}


def _check(file: Path, entry: DataFile) -> str:
    """OK, OK_ORIGINAL, CORRUPTED or MISSING for the copy at ``file`` (cached by mtime and size)."""
    try:
        info = file.stat()
    except OSError:
        return MISSING
    if not stat.S_ISREG(info.st_mode):
        return MISSING
    key = (str(file), info.st_mtime_ns, info.st_size, entry.sha256)
    status = _VERIFIED.get(key)
    if status is None:
        try:
            if _digest(file, "sha256") == entry.sha256:
                status = OK
            elif entry.original_md5 is not None and _digest(file, "md5") == entry.original_md5:
                status = OK_ORIGINAL
            else:
                status = CORRUPTED
        except OSError as exc:
            raise DataError(f"cannot read {file}: {exc}") from exc
        _VERIFIED[key] = status
    return status


def _locate(dataset: Dataset, entry: DataFile) -> tuple[str, Path | None, list[Path]]:
    """Status, verified path (or None) and the corrupted copies met on the way."""
    corrupted = []
    for candidate in _candidates(dataset.name, entry.name):
        status = _check(candidate, entry)
        if status in (OK, OK_ORIGINAL):
            return status, candidate, corrupted
        if status == CORRUPTED:
            corrupted.append(candidate)
    return (CORRUPTED if corrupted else MISSING), None, corrupted


def _how_to_get(dataset: Dataset) -> str:
    return (
        f"either set {DATA_ENV} to a folder holding the release as {dataset.name}/<file>, "
        f"or run `upscatter data fetch {dataset.name}` (with --base-url or {URL_ENV} naming "
        f"a mirror; official release: {dataset.release})"
    )


def path(dataset: str, filename: str) -> Path:
    """Local path of a verified copy of a release file.

    Parameters
    ----------
    dataset : str
        Dataset name, a key of :data:`DATASETS` (``"coherent_csi_2017"``).
    filename : str
        File path relative to the dataset folder (``"promptPDF.txt"``, ``"Data/brnpdf.txt"``).

    Returns
    -------
    pathlib.Path
        The first copy, in ``$UPSCATTER_DATA`` then in the user cache, whose sha256 matches the
        registry (or whose MD5 matches the official original's, when known).

    Raises
    ------
    ParameterError
        Unknown dataset or file name.
    DataError
        No verified copy: the message names the file, where it looked, and how to get it.
    """
    ds = get_dataset(dataset)
    entry = ds.file(filename)
    status, found, corrupted = _locate(ds, entry)
    if found is not None:
        return found
    label = f"{ds.name}/{entry.name}"
    if status == CORRUPTED:
        where = ", ".join(str(p) for p in corrupted)
        problem = f"{label} is corrupted (sha256 does not match the registry) at {where}"
    else:
        searched = " and ".join(str(p) for p in _candidates(ds.name, entry.name))
        unset = "" if data_dir() is not None else f" ({DATA_ENV} is not set)"
        problem = f"{label} not found; looked in {searched}{unset}"
    raise DataError(f"{problem}; to get it, {_how_to_get(ds)}")


def verify(dataset: str | None = None) -> list[tuple[str, str, str]]:
    """Check every registered file of one dataset (or of all).

    Returns
    -------
    list of (str, str, str)
        ``(dataset, file, status)`` with status :data:`OK` (mirror bytes), :data:`OK_ORIGINAL`
        (official release bytes), :data:`CORRUPTED` or :data:`MISSING`.
    """
    selected = DATASETS.values() if dataset is None else [get_dataset(dataset)]
    return [(ds.name, f.name, _locate(ds, f)[0]) for ds in selected for f in ds.files]


def load_text(dataset: str, filename: str, **kwargs) -> np.ndarray:
    """``numpy.loadtxt`` of a verified release file; ``kwargs`` go to ``numpy.loadtxt``.

    The tables of ``coherent_csi_2017`` are comma separated (pass ``delimiter=","``).
    """
    return np.loadtxt(path(dataset, filename), **kwargs)


@contextlib.contextmanager
def _quiet_pooch() -> Iterator[None]:
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _no_mirror_message(ds: Dataset) -> str:
    n_stripped = sum(f.header_stripped for f in ds.files)
    n_md5 = sum(f.original_md5 is not None for f in ds.files)
    return (
        f"no download mirror for {ds.name}: pass base_url (CLI: --base-url URL) or set "
        f"{URL_ENV} to a server laid out like shared/data (<URL>/{ds.name}/<file>). Otherwise "
        f"download the official release by hand from {ds.release} into "
        f"${DATA_ENV}/{ds.name}/. The registry holds the mirror's sha256; {n_stripped} of the "
        f"{len(ds.files)} mirror files are header-stripped, so their official copies have "
        f"different hashes; an official file is accepted when it matches its known MD5 "
        f"({n_md5} of {len(ds.files)} files have one)."
    )


def fetch(
    dataset: str, base_url: str | None = None, files: Iterable[str] | None = None
) -> list[Path]:
    """Download release files into the user cache through pooch, verifying their sha256.

    Parameters
    ----------
    dataset : str
        Dataset name, a key of :data:`DATASETS`.
    base_url : str, optional
        ``http(s)`` URL of a mirror laid out like ``shared/data``: file ``f`` of the dataset is
        ``<base_url>/<dataset>/<f>``. Defaults to ``$UPSCATTER_DATA_URL``.
    files : iterable of str, optional
        Subset of the dataset's files (default: all).

    Returns
    -------
    list of pathlib.Path
        Paths of the verified copies in ``cache_dir()/<dataset>/``.

    Raises
    ------
    DataError
        No mirror given (the message gives the official location and why its files do not
        match the mirror's hashes), or a download failed or did not match its sha256 (nothing
        is then left in the cache for that file).
    """
    ds = get_dataset(dataset)
    if isinstance(files, str):
        files = [files]
    entries = [ds.file(name) for name in (ds.filenames if files is None else files)]
    base = base_url or os.environ.get(URL_ENV, "")
    if not base:
        raise DataError(_no_mirror_message(ds))
    if urlsplit(base).scheme not in ("http", "https"):
        raise ParameterError(f"the mirror URL must start with http:// or https://, got {base!r}")
    base = base.rstrip("/")
    downloader = pooch.HTTPDownloader(progressbar=False, timeout=DOWNLOAD_TIMEOUT)
    target = cache_dir() / ds.name
    fetched = []
    with _quiet_pooch():
        for entry in entries:
            url = f"{base}/{quote(ds.name)}/{quote(entry.name)}"
            destination = target / entry.name
            try:
                local = pooch.retrieve(
                    url,
                    known_hash=f"sha256:{entry.sha256}",
                    fname=destination.name,
                    path=destination.parent,
                    downloader=downloader,
                )
            except (ValueError, OSError) as exc:
                reason = " ".join(str(exc).split())
                raise DataError(
                    f"download of {ds.name}/{entry.name} from {url} failed: {reason}"
                ) from exc
            fetched.append(Path(local))
    return fetched
