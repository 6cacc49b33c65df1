import pytest

from core.workflow.masking import mask_minors, valid_id_number

W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, W)) % 11]


GOOD_ID = id_number("51172520100301123")          # born 2010-03-01, check digit X
BAD_ID = GOOD_ID[:-1] + "0"


def test_id_numbers_need_a_real_birth_date_and_check_digit():
    assert GOOD_ID.endswith("X") and valid_id_number(GOOD_ID) and valid_id_number(GOOD_ID.lower())
    assert not valid_id_number(BAD_ID)
    assert not valid_id_number(id_number("51172520101301123"))    # month 13


@pytest.mark.parametrize("text,gone,kept", [
    ("初二(3)班王某某在课间受伤。", ["(3)班", "王某某"], ["初二", "课间受伤"]),
    ("据了解，高一3班的张小明同学情绪稳定。", ["3班", "张小明"], ["高一", "情绪稳定"]),
    ("七年级二班李某某和八年级1班的欧阳娜娜同学", ["李某某", "欧阳娜娜"], ["七年级", "八年级"]),
    (f"学生身份证号{GOOD_ID}。", [GOOD_ID], ["身份证号"]),
    (f"学生身份证号 511725 20100301 123X。", ["511725 20100301 123X"], []),
    (f"学生身份证号{BAD_ID}（校验位有误仍是身份证号）。", [BAD_ID], ["校验位有误"]),
    ("家长电话13812345678。", ["13812345678"], ["家长电话"]),
    ("家长电话138-1234-5678，或+86 138 1234 5678", ["1234-5678", "1234 5678"], []),
    ("家长联系电话：0818-7654321", ["0818-7654321"], []),
    ("学生李华家住渠江街道滨江小区3栋2单元501室。", ["李华", "滨江小区3栋"], ["学生", "家住"]),
    ("家住三汇镇石佛村5组的一名学生", ["石佛村5组"], ["的一名学生"]),
    ("受伤学生王小红（女，12岁）目前伤势稳定。", ["王小红"], ["（女，12岁）"]),
    ("该生刘某因与同学发生口角。", ["刘某"], ["因与同学发生口角"]),
    ("其母称孩子张伟在学校被欺负。", ["张伟"], ["在学校被欺负"]),
])
def test_minors_data_is_masked(text, gone, kept):
    result = mask_minors(text)
    for piece in gone:
        assert piece not in result.text, (piece, result.text)
    for piece in kept:
        assert piece in result.text, (piece, result.text)
    assert result.findings and all(text[f.start:f.end] == f.original for f in result.findings)


@pytest.mark.parametrize("text", [
    "全体同学安全，初二(3)班全体同学已返回教室。",
    "渠县第二中学于3月5日召开家长会，校长王建国出席。",
    "值班电话：0818-7322110，举报电话12345，报警请拨110。",
    "文号渠教发〔2026〕12号，流水号000000000000000012。",
    "县教育局工作组已进驻学校，各位同学请安心上课。",
])
def test_official_text_is_left_alone(text):
    assert mask_minors(text).clean, mask_minors(text).findings


def test_names_known_from_the_case_are_masked_everywhere():
    result = mask_minors("小明今天已返校，小明的家长表示感谢。", extra_names=["小明"])
    assert "小明" not in result.text and len(result.findings) == 2


def test_masking_is_idempotent():
    once = mask_minors(f"学生李华家住滨江小区3栋2单元501室，身份证{GOOD_ID}，初二(3)班王某某。")
    assert mask_minors(once.text).clean, mask_minors(once.text).findings
