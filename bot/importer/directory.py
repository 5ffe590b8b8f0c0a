"""The department directory (data in departments.yaml) and the reading of unit names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.importer.labels import Labels, LabelsError
from bot.importer.messages import ImporterError

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "departments.yaml"

# Named nobody: "有关部门要…", "（各有关部门和单位按职责分工负责）", "各牵头单位要…", "区直各部门"
# give a task no owner (they name a role or everyone, not a body that can answer for it).
GENERIC = re.compile(
    r"^(?:国务院|中央和国家机关|市|县|区|省|市直|县直|区直|市级|县级|区级|省级|本级|其他|其它)?(?:各)?"
    r"(?:有关|相关|成员|牵头|责任|配合|参与|协办|协同|其他|其它)?(?:职能)?"
    r"(?:部门|单位|方面|机构|部门单位)(?:和|及|、)?(?:单位|部门)?$")
# The ending of a name that is a body of some kind (a department, a government, a school, a
# mechanism such as a joint meeting or a leading group): any named body can own a task.
UNIT_SUFFIX = re.compile(
    r"(部|委|局|办|署|厅|处|中心|部门|政府|单位|机构|机关|学校|高校|中小学|团|联|社|集团|公司|各地|各校|"
    r"城市|省份|地区|银行|海关|专班|小组|联席会议|开发区|园区|新区|高新区|管委会|街道|乡镇|办事处|"
    r"委员会|协会|学会|工会|商会|联合会|理事会|基金会|研究会|促进会|红十字会|科协|"
    r"(?:研究|设计|科学|检察|法|卫生)院|医院|学院|(?:办公|督查|科|处|工作|研究|督导|联络)室|"
    r"(?:研究|事务|派出|司法)所|(?:工作|服务|辅导|管理|监测|指导)站|总队|支队|大队|党委|党组|"
    r"指挥部|党工委|纪委|监委|军分区|武装部)$"
)
NOT_A_BODY = re.compile(r"(干部|全部|内部|外部|局部|细部|底部|顶部|头部|俱乐部|社会|机会|大会|(?<!联席)会议|"
                        r"体系|平台|网站|热线|账号|新媒体|制度|机制|政策|工程|项目)$")
# Words that, right after a body's name, make the whole a group of people or things the body
# has ("高校毕业生", "学校教师", "医院患者", "企业职工", "学校食堂"): the body is then a
# modifier in a longer noun phrase, not a unit named as an actor.
MEMBERS_AFTER = re.compile(
    r"^(?:毕业生|应届生|在校生|新生|学生|师生|生源|教师|教职工|教职员工|职工|员工|干部|工作人员|人员|"
    r"从业人员|医务人员|医护人员|医生|护士|患者|病人|家长|学员|学子|儿童|幼儿|子女|校长|院长|负责人|"
    r"法人|党员|会员|成员|用户|客户|产品|设备|床位|食堂|宿舍|校舍|校车|用地|资产|经费|数量|比例)"
)
# Governments and committees of every locality are bodies, not departments: kept as named.
LOCAL_GOVERNMENT = re.compile(r"^(各|地方各级|县级以上(地方)?|各级|当地|有关)?[^，,]{0,14}(人民政府|政府|管委会)$")
# "各区", "各县（市、区）", "各乡镇", "各学校": every place or body of a kind, kept as named.
EVERY_PLACE = re.compile(r"^各[^，,、]{0,4}?(区|县|市|地|校|学校|乡镇|街道|单位|园区|高校)([（(][^）)]*[）)])?$")
# Prefixes a document puts before a department it means at its own or every level.
LEVEL_PREFIX = re.compile(r"^(地方各级|各级|县级以上(地方)?|省级|市级|县级|当地|各地|本级|各)")
TRAILING_BRACKET = re.compile(r"[（(][^（）()]*[)）]$")


class DirectoryError(ImporterError):
    pass


@dataclass(frozen=True)
class Entry:
    code: str
    level: str  # national | local
    name: str
    short: str
    name_en: str
    aliases: tuple[str, ...] = ()
    national: str | None = None  # for a local bureau: the ministry "国务院X部门" means

    def full_name(self, city: str | None) -> str:
        if "{city}" in self.name:
            return self.name.format(city=city) if city else self.short
        return f"{city}{self.name}" if city and self.level == "local" else self.name


@dataclass(frozen=True)
class Unit:
    """Who a task names: a department of the directory (entry set) or a body kept as named."""

    name: str  # as the document wrote it
    entry: Entry | None = None
    known: bool = True  # False: neither a department nor a listed unit; the reader should check

    @property
    def key(self) -> str:
        return self.entry.code if self.entry else self.name


@dataclass
class Directory:
    entries: list[Entry] = field(default_factory=list)
    units: set[str] = field(default_factory=set)
    labels: Labels = field(default_factory=Labels)
    _cache: dict[tuple[str, str, str | None], Unit | None] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, *paths: str | Path) -> Directory:
        directory = cls(labels=Labels.load())
        for path in (DEFAULT_DIRECTORY, *paths):
            directory.extend(Path(path))
        return directory

    def extend(self, path: Path) -> None:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise DirectoryError("error.directory", path=str(path), reason=str(exc)) from exc
        if not isinstance(data, dict):
            raise DirectoryError("error.directory", path=str(path),
                                 reason="departments / units / labels")
        for i, raw in enumerate(data.get("departments") or []):
            try:
                entry = Entry(code=str(raw["code"]), level=str(raw.get("level", "local")),
                              name=str(raw["name"]), short=str(raw.get("short") or raw["name"]),
                              name_en=str(raw.get("name_en") or raw["name"]),
                              aliases=tuple(str(a) for a in raw.get("aliases") or ()),
                              national=str(raw["national"]) if raw.get("national") else None)
            except (KeyError, TypeError) as exc:
                raise DirectoryError("error.directory", path=str(path),
                                     reason=f"departments[{i}]: code, name") from exc
            if entry.level not in ("national", "local"):
                raise DirectoryError("error.directory", path=str(path),
                                     reason=f"departments[{i}].level: national, local")
            self.entries = [e for e in self.entries if e.code != entry.code] + [entry]
        self.units.update(str(u) for u in data.get("units") or ())
        if path != DEFAULT_DIRECTORY:
            try:
                self.labels.extend(path, data)
            except LabelsError as exc:
                raise DirectoryError("error.directory", path=str(path), reason=str(exc)) from exc
        self._cache.clear()

    def _names(self, entry: Entry) -> set[str]:
        names = {entry.short, *entry.aliases}
        names.add(entry.name.replace("{city}", "") if "{city}" not in entry.name else entry.short)
        return names

    def lookup(self, name: str, level: str, city: str | None = None) -> Entry | None:
        """The entry a name means in a document of this level ("national" or "local")."""
        order = ([e for e in self.entries if e.level == "local"] +
                 [e for e in self.entries if e.level == "national"]) if level == "local" else \
            [e for e in self.entries if e.level == "national"]
        for candidate in _candidates(name, city):
            for entry in order:
                if candidate in self._names(entry) or candidate == entry.full_name(city):
                    return entry
        return None

    def resolve(self, name: str, level: str, city: str | None = None) -> Unit | None:
        """A Unit for a name, or None when the name is generic ("有关部门") or not a body."""
        key = (name, level, city)
        if key not in self._cache:
            self._cache[key] = self._resolve(name, level, city)
        return self._cache[key]

    def _resolve(self, name: str, level: str, city: str | None = None) -> Unit | None:
        name = name.strip().strip("，,、 ")
        name = re.sub(r"(等有关部门和单位|等有关单位|等相关部门|等有关部门|等部门|等单位|等)$", "", name)
        name = re.sub(r"^(由|会同|配合|支持|协助|并|和|及)", "", name)
        if len(name) < 2 or GENERIC.match(name) or "由" in name:
            return None
        if name in self.units or (name.startswith("各") and name[1:] in self.units):
            return Unit(name)
        entry = self.lookup(name, level, city)
        if entry:
            return Unit(name, entry)
        if level == "national" and (local := self.lookup(re.sub(r"^国务院", "", name), "local", city)):
            if name.startswith("国务院") and local.national:
                # "国务院教育行政部门": the ministry itself
                ministry = next((e for e in self.entries if e.code == local.national), None)
                if ministry is not None:
                    return Unit(name, ministry)
            # "教育行政部门要…" in a State Council plan: every locality's bureau, not a ministry.
            return Unit(name)
        if EVERY_PLACE.match(name):
            return Unit(name)
        bare = TRAILING_BRACKET.sub("", name)
        if bare != name and len(bare) >= 2:
            # "各县（市、区）政府（管委会）", "市教育局（市委教育工委）": the name before the bracket
            inner = self.resolve(bare, level, city)
            if inner is not None:
                return Unit(name, inner.entry, inner.known)
        if LOCAL_GOVERNMENT.match(name):
            return Unit(name)
        if is_body(name) and len(name) <= 25:
            return Unit(name, known=False)
        return None

    def is_units(self, text: str, level: str, city: str | None = None) -> bool:
        """Whether text is a list of units and nothing else ("市教育局、市财政局等")."""
        parts = split_units(text)
        if not parts:
            return False
        for part in parts:
            part = re.sub(r"(按职责分工负责|按职责分工|按职责|分别|共同|负责|牵头|配合)$", "", part)
            if self.resolve(part, level, city) is None and not GENERIC.match(
                    re.sub(r"^(等|和|及)|等$", "", part.strip())):
                return False
        return True


def cut_from_phrase(after: str) -> bool:
    """Whether a name followed by these words is cut out of a longer noun phrase
    ("离校未就业高校|毕业生" names graduates, not a university)."""
    return bool(MEMBERS_AFTER.match(after))


# A one-character ending that is the first half of a word with what follows ("学校家长委|托",
# "统一部|署"): the name ends mid-word and is no name.
MID_WORD = re.compile(r"^(?:委托|部署|部分|办理|办法|处理|处置|局面|团结|联系|联动|社会)")


def cut_mid_word(name: str, after: str) -> bool:
    """Whether the name's last character begins a word with the text after it."""
    return bool(name) and bool(MID_WORD.match(name[-1] + after[:1]))


def is_body(name: str) -> bool:
    """A name that ends as a body's name does (…局, …办公室, …联席会议, …试点地区)."""
    return bool(UNIT_SUFFIX.search(name)) and not NOT_A_BODY.search(name)


def _candidates(name: str, city: str | None) -> list[str]:
    """The name, then with party, city and level prefixes removed (中共泉州市委网信办 -> 网信办)."""
    out = [name]
    rest = re.sub(r"^中共", "", name)
    if city:
        rest = rest.replace(city, "市", 1) if rest.startswith(city) else rest
        bare = city[:-1] if city.endswith("市") else city
        rest = "市" + rest[len(bare):] if rest.startswith(bare) else rest
    out.append(rest)
    for _ in range(2):
        rest = LEVEL_PREFIX.sub("", rest)
        out.append(rest)
        rest = re.sub(r"^(市委|县委|区委|省委|市|县|区|省|委)", "", rest)
        out.append(rest)
    # "教育行政主管部门", "人力资源社会保障行政部门": the kind of department, 行政/主管 dropped
    out.append(re.sub(r"(?:行政)?(?:主管)?部门$", "部门", rest))
    # Another place's bureau: 晋江市教育局, 丰泽区民政局 (tried last, used only if it resolves)
    out.append(re.sub(r"^(中共)?[\u4e00-\u9fff]{2,3}?(市|县|区)(委)?", "", name))
    return list(dict.fromkeys(c for c in out if len(c) >= 2))


def split_units(text: str) -> list[str]:
    """"人力资源社会保障部、财政部" -> two names; 和 splits only when both sides stand alone,
    since it is also part of names (人力资源和社会保障局, 文化和旅游部). 等 never joins two units:
    "X、Y等和各省级人民政府" is X, Y and the provinces."""
    from bot.importer.structure import spans

    # "各省、自治区、直辖市人民政府" is one addressee, not three.
    text = re.sub(r"各省、自治区、直辖市", "各省（自治区、直辖市）", text)
    # "各县、市、区政府", "各乡、镇人民政府": one addressee, every place of those kinds
    text = re.sub(r"各([县市区乡镇旗])、([县市区乡镇旗])(?:、([县市区乡镇旗]))?(人民政府|政府|管委会)",
                  lambda m: f"各{m[1]}（{'、'.join(x for x in (m[2], m[3]) if x)}）{m[4]}", text)
    text = re.sub(r"(?<![高中初同平均对相])等(?:和|及|与|以及|，|,|；|;)", "、", text)
    text = re.sub(r"(?<![高中初同平均对相])等(?=各|[一-鿿]{2,}(?:人民政府|政府|局|委|办|部))"
                  r"(?!有关|相关|部门|单位|方面)", "、", text)
    parts: list[str] = []
    for a, b in spans(text, "、，,；;/ 　"):  # not inside brackets: 各县(市、区)教师进修学校
        for piece in re.split(r"以及|及|与|会同", text[a:b]):
            piece = piece.strip()
            if piece:
                parts.append(piece)
    return parts
