"""The vehicle registration certificate (机动车登记证书), as it is printed and filled.

They differ as real ones do: the green A4 sheet with its numbered one-column table (1.机动车所有人
/身份证明名称/号码 beside 张伟/居民身份证/3702...), and the booklet's page (a beige page, a ruled
grid of two label-value pairs per row without numbers, 登记证书编号 at the top, the owner's name
and ID apart in cells of their own, filled by a dot-matrix printer a little off its cells).
"""

from __future__ import annotations

import random

from PIL import Image

from autopass.documents import DocumentType
from autopass.devtools.samples import draw, papers
from autopass.devtools.samples.facts import DocumentFields, Facts, ymd
from autopass.devtools.samples.templates.base import Template, TemplateGroup, register, template

BOOKLET = (1240, 1700)
PRINTER = (28, 28, 40)

register(Template("vehicle_registration_a4", DocumentType.VEHICLE_REGISTRATION, TemplateGroup.TUNING,
                  papers.render_vehicle_registration))


@template("vehicle_registration_booklet", DocumentType.VEHICLE_REGISTRATION, TemplateGroup.HOLDOUT)
def render_booklet(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """The booklet's 注册登记摘要信息栏 page: two label-value pairs per row, values shifted."""
    person, vehicle = facts.person, facts.vehicle
    page = draw.paper(BOOKLET, (244, 236, 220), rng)
    line, label = (140, 100, 60), (110, 76, 40)
    draw.text(page, (BOOKLET[0] / 2, 90), "机动车登记证书", 64, (120, 50, 30), spacing=20, bold=True,
              anchor="mt")
    draw.text(page, (700, 200), "登记证书编号", 28, label)
    draw.text(page, (880, 196), facts.registration_number, 32, (180, 30, 30), mono=True)
    draw.text(page, (BOOKLET[0] / 2, 280), "注 册 登 记 摘 要 信 息 栏", 32, label, anchor="mt")
    office = f"{person.region.city or person.region.province}公安局交通警察支队车辆管理所"
    rows = [
        [("机动车所有人", 230), ("", 310), ("身份证明名称/号码", 230), ("", 330)],
        [("登记机关", 230), ("", 870)],
        [("登记日期", 230), ("", 310), ("机动车登记编号", 230), ("", 330)],
        [("车辆类型", 230), ("", 310), ("车辆品牌", 230), ("", 330)],
        [("车辆型号", 230), ("", 310), ("车身颜色", 230), ("", 330)],
        [("车辆识别代号", 230), ("", 870)],
        [("国产/进口", 230), ("", 310), ("发动机号", 230), ("", 330)],
        [("燃料种类", 230), ("", 310), ("使用性质", 230), ("", 330)],
    ]
    values = {
        (0, 1): (person.name, PRINTER, 32),
        (0, 3): (f"居民身份证 {person.id_number}", PRINTER, 20),
        (1, 1): (office, PRINTER, 28),
        (2, 1): (ymd(facts.registration_date), PRINTER, 28),
        (2, 3): (vehicle.plate, PRINTER, 28),
        (3, 1): ("小型轿车", PRINTER, 28),
        (3, 3): (vehicle.brand, PRINTER, 28),
        (4, 1): (vehicle.model.split(" ", 1)[1], PRINTER, 24),
        (4, 3): (vehicle.colour, PRINTER, 28),
        (5, 1): (vehicle.vin, PRINTER, 32),
        (6, 1): ("国产", PRINTER, 28),
        (6, 3): (vehicle.engine_number, PRINTER, 26),
        (7, 1): ("汽油", PRINTER, 28),
        (7, 3): ("非营运", PRINTER, 28),
    }
    jitter = (rng.randint(-4, 16), rng.randint(-10, 10))
    draw.table(page, (70, 340), rows, 96, line=line, label=label, size=24, values=values,
               jitter=jitter)
    draw.seal(page, (920, 1380), 120, office[:-3], rng, centre_text="登记专用章")
    draw.text(page, (90, 1560), "登记机关（章）", 26, label)
    fields: DocumentFields = {
        "owner_name": person.name,
        "vin": vehicle.vin,
        "registration_number": facts.registration_number,
    }
    return page, fields
