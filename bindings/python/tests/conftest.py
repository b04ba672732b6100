"""Shared fixtures of the fakejob bindings' tests.

The tests run against the build tree (tests/python.sh sets PYTHONPATH, FAKEJOB_CLI and
FAKEJOB_SRCDIR) or against an installed package (then the CLI comparisons are skipped unless
FAKEJOB_CLI names a fakejob executable). The model they score with is trained here, on the small
hand-written corpus below, so that they depend on no shipped model.
"""

import faulthandler
import json
import os
import signal
import subprocess
import sys

import pytest

import fakejob

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("FAKEJOB_SRCDIR") or os.path.abspath(os.path.join(HERE, "..", "..", ".."))

# A test that has not finished after this many seconds prints every thread's stack and fails,
# so that a hang (a lock never released, a cluster that never starts) is a failure with a trace
# rather than a suite that never ends.
TEST_SECONDS = int(os.environ.get("FAKEJOB_TEST_SECONDS", "300"))


class TestTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def _bounded_in_time(request):
    def expired(signum, frame):
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        raise TestTimeout(f"{request.node.nodeid} took more than {TEST_SECONDS} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TEST_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


# Observation time of every posting scored by the tests (2025-06-01), so that posting ages do not
# depend on the day the tests run.
NOW = "2025-06-01T00:00:00Z"

EN_FRAUD = [
    ("Data Entry Clerk - Work From Home",
     "Earn $5000/week typing from home! No experience needed. Pay a one-time $99 registration "
     "fee for your starter kit and begin today. Contact our hiring manager on WhatsApp "
     "+1 555 0100 or email quickjobs.hr@gmail.com."),
    ("Online Product Reviewer",
     "Get paid $40 per review. Unlock tasks by depositing $150 first, refunded after 30 tasks. "
     "Message us on Telegram @reviewjobs now, limited places!"),
    ("Package Handler (Remote)",
     "Receive packages at home and reship them overseas. Send a copy of your SSN and bank "
     "account details to get started. Weekly pay $3500. Email reship.team@yahoo.com"),
    ("Customer Service Assistant - URGENT",
     "Immediate start, $45/hour, no interview. Buy the training software ($120) from our vendor "
     "before your first shift. Text 555-0199 to apply today only."),
    ("Mystery Shopper",
     "We mail you a check for $2,450. Deposit it, keep $300 as your pay and wire the rest via "
     "Western Union. Reply with your full name, address and bank routing number."),
    ("Administrative Assistant to CEO",
     "Work from home, flexible hours, $950 weekly. You will process payments for our clients "
     "through your personal account. Contact hr.department.jobs@outlook.com with your SSN."),
    ("Typist Needed",
     "Typing job, paid per page, $30 a page. Registration costs $75 for your account, paid "
     "upfront. WhatsApp only: +44 7700 900123. Hurry, positions fill fast!!!"),
    ("Remote Sales Partner",
     "Build your own team and earn unlimited income! Purchase the $299 business pack and recruit "
     "3 friends to unlock commissions. Financial freedom in 30 days."),
    ("Shipping Coordinator - Home Based",
     "Earn $4,000 a month forwarding parcels from home. Provide a photo of your driver license "
     "and bank card to register. Contact shipping.jobs2025@gmail.com urgently."),
    ("Social Media Liker",
     "Like videos and earn $200 a day! First pay a $50 activation deposit, returned with your "
     "first salary. Join our Telegram group today, only 5 spots left."),
]

EN_LEGIT = [
    ("Registered Nurse - Medical/Surgical Unit",
     "Bellmont Regional Hospital is hiring an RN for our 32-bed Med/Surg unit, night shift, three "
     "12-hour shifts a week. Requirements: active state RN license, BLS certification. Benefits "
     "include medical, dental, 403(b) with match and tuition reimbursement."),
    ("Junior Software Engineer",
     "Join the payments platform team at Northwind Systems to build and test backend services in "
     "Go and PostgreSQL. You will pair with senior engineers, review code and join the on-call "
     "rotation after six months. Salary $85,000-$100,000 plus equity."),
    ("Warehouse Associate",
     "Harbor Freight Logistics is hiring warehouse associates for our Dayton distribution center. "
     "Pick, pack and load orders using RF scanners. Forklift certification provided on site at no "
     "cost. $18.50/hour, overtime available, health insurance after 30 days."),
    ("Accountant",
     "Mid-sized CPA firm seeks a staff accountant to prepare monthly closes, reconcile accounts "
     "and assist with audits. Bachelor's degree in accounting required, CPA track preferred. "
     "Hybrid schedule, 401(k), paid time off."),
    ("High School Math Teacher",
     "Lincoln Unified School District seeks a certified math teacher for algebra and geometry "
     "classes starting in August. Salary per district schedule, state pension, mentoring for "
     "new teachers. Apply through the district careers portal."),
    ("Barista (Part-Time)",
     "Corner Bean Coffee on Main Street is looking for a part-time barista, 20-25 hours a week, "
     "weekends required. We train you on espresso and latte art. $15/hour plus tips, free "
     "drinks on shift. Apply in person or on our website."),
    ("Mechanical Design Engineer",
     "Design fixtures and tooling for our automotive assembly lines in SolidWorks, run tolerance "
     "analyses and support suppliers. 3+ years experience, BSME. Relocation assistance, annual "
     "bonus, comprehensive benefits at Kessler Automation."),
    ("Remote Technical Writer",
     "Document our REST APIs and SDKs for developers at Quillstack. Fully remote within the US, "
     "company laptop provided, we never charge applicants any fee. $70,000-$85,000, health, "
     "dental and vision."),
    ("Electrician Apprentice",
     "Local 112 apprenticeship: four-year paid program combining classroom training with work on "
     "commercial job sites. Starting wage $19/hour with raises every year. High school diploma "
     "and valid driver license required."),
    ("Retail Store Manager",
     "Lead a team of 15 at our Westfield mall store: hiring, scheduling, merchandising and sales "
     "targets. 3 years retail management experience. Salary $55,000 plus quarterly bonus and "
     "employee discount."),
]

ZH_FRAUD = [
    ("急招打字员 在家兼职", "手机电脑均可操作，日结300元。入职前需缴纳培训费198元，培训后包分配。"
     "有意者加QQ：2837461950 咨询。"),
    ("网络刷单兼职", "动动手指就能赚钱，每单佣金10-50元，先垫付后返还本金加佣金。"
     "名额有限，加微信 shuadan8866 立即上岗！"),
    ("行政文员 双休 无经验可", "工作轻松，岗前培训期间需缴纳资料费680元，转正后返还。"
     "请携带身份证原件和银行卡办理入职手续。联系刘老师 136-0027-5531"),
    ("高薪客服 月入过万", "境外工作，包机票包食宿，月薪三万起。需先交押金5000元办理签证。"
     "联系微信 haiwai_job888"),
    ("手工活外发 在家可做", "串珠手工活，计件工资多劳多得。首次领料需交押金300元，"
     "交货后退还。加QQ 95501234 领取材料。"),
    ("淘宝点赞员", "无需经验，点赞关注即可，一单5元，日赚500不是梦。需先充值激活账号，"
     "联系客服QQ：1234567890"),
    ("招聘模特 日结", "无需经验，拍照日结800元。入职需在指定影楼拍摄资料卡，费用1200元。"
     "微信 model_star2025 速来"),
    ("保安 包吃住 月薪8000", "入职先交服装费和体检费共450元，到指定医院体检。"
     "名额有限，招满即止！电话 139-1111-2222"),
    ("数据录入员（居家办公）", "只需提供身份证正反面照片和银行卡号即可注册上岗，"
     "日结工资500元。加微信 luru_job66"),
    ("兼职推广员", "发展下线即可获得提成，入会费399元，拉满三人即可回本，轻松月入过万！"
     "QQ群：567890123"),
]

ZH_LEGIT = [
    ("普工/操作工", "在流水线上完成连接器的插件、检测、包装等工序。综合月薪5500-7500元，"
     "每月25号发放工资，入职即买社保，入职时不收取任何费用。到厂区东门招聘处面试。"),
    ("Java开发工程师", "负责公司电商平台后端服务的设计与开发，参与代码评审。要求本科及以上学历，"
     "三年以上Java开发经验，熟悉Spring Boot和MySQL。薪资20-30K，五险一金，年终奖。"),
    ("会计", "负责公司日常账务处理、纳税申报和财务报表编制。要求会计专业大专以上学历，"
     "持有初级会计证。月薪6000-8000元，双休，五险一金，带薪年假。"),
    ("小学语文教师", "负责三年级语文教学工作，参与教研活动。要求持有教师资格证，普通话二级甲等以上。"
     "待遇按学校标准执行，缴纳五险一金，寒暑假带薪。"),
    ("电商客服", "负责天猫店铺售前售后在线咨询，处理退换货和物流查询。早班9:00-18:00，"
     "月休6天。底薪3500元加提成，公司提供岗前培训，不收取任何费用。"),
    ("仓库管理员", "负责货物出入库登记、盘点和库位管理，熟练使用WMS系统。月薪5000-6500元，"
     "包午餐，缴纳社保，公司承担体检费用。"),
    ("销售代表（有底薪）", "负责医疗器械在华东区域的销售和客户维护。底薪6000元加提成，"
     "提成比例面试时详谈，五险一金，差旅报销。"),
    ("护士", "市第二人民医院招聘临床护士，负责病区护理工作，三班倒。要求护理专业大专以上学历，"
     "持有护士执业证书。薪资面议，编制外合同制，五险一金。"),
    ("餐厅服务员（兼职）", "周末兼职，每天6小时，时薪22元，工资每周结算。包工作餐，"
     "无需任何费用，到店面试即可。"),
    ("机械设计工程师", "负责自动化设备的机械结构设计，使用SolidWorks出图并跟进装配调试。"
     "要求机械相关专业本科，两年以上经验。月薪12-18K，五险一金，年度体检。"),
]


def _postings(rows, lang, label, prefix, company_fn):
    out = []
    for i, (title, desc) in enumerate(rows):
        out.append({
            "id": "%s-%02d" % (prefix, i + 1),
            "lang": lang,
            "title": title,
            "company": company_fn(i),
            "description": desc,
            "posted_at": "2025-0%d-%02d" % (1 + i % 5, 1 + 2 * i),
            "observed_at": NOW,
            "label": label,
        })
    return out


def _reposts(posting, times):
    """Copies of a posting published again and again (a ghost posting), a week apart."""
    return [dict(posting, id="%s-r%d" % (posting["id"], k + 1),
                 posted_at="2025-05-%02d" % (1 + 7 * k), observed_at="2025-05-%02d" % (1 + 7 * k))
            for k in range(times)]


def training_postings():
    """The hand-written training corpus: 10 fraudulent and 10 honest postings in each language,
    each carrying its label, plus two fraudulent ones reposted weekly (so that the repost
    signals carry weight)."""
    en_fraud = _postings(EN_FRAUD, "en", "fraud", "en-f",
                         lambda i: ["", "Confidential", "Global Jobs LLC"][i % 3])
    zh_fraud = _postings(ZH_FRAUD, "zh", "fraud", "zh-f",
                         lambda i: ["", "某公司", "优才人力资源服务中心"][i % 3])
    return (en_fraud + _reposts(en_fraud[0], 4)
            + _postings(EN_LEGIT, "en", "legit", "en-l", lambda i: "Company %s Inc." % chr(65 + i))
            + zh_fraud + _reposts(zh_fraud[0], 4)
            + _postings(ZH_LEGIT, "zh", "legit", "zh-l", lambda i: "深圳市第%d精密电子有限公司" % (i + 1)))


TRAIN_PARAMS = dict(C=1.0, folds=3, min_df=1, threads=1, name="pytest-model", version="0.0.1")


@pytest.fixture(scope="session")
def train_corpus():
    return training_postings()


@pytest.fixture(scope="session")
def model(train_corpus):
    """A model trained on the hand-written corpus (fixed C, 3 folds: quick and deterministic)."""
    return fakejob.train(train_corpus, **TRAIN_PARAMS)


@pytest.fixture(scope="session")
def model_dir(model, tmp_path_factory):
    """The session model saved as a bundle folder (for the CLI)."""
    d = tmp_path_factory.mktemp("model") / "bundle"
    model.save(d)
    return d


def project_corpus():
    """Every posting of the project's corpus/ (hand-written, labelled), without the labels."""
    out = []
    folder = os.path.join(SRCDIR, "corpus")
    if not os.path.isdir(folder):
        return out
    for name in sorted(os.listdir(folder)):
        if name.endswith(".jsonl"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        out.append(json.loads(line))
    return out


@pytest.fixture(scope="session")
def scoring_postings(train_corpus):
    """Postings to score: the project's corpus (when the source tree is at hand) and the
    training corpus, each observed at NOW."""
    posts = project_corpus() + train_corpus
    return [dict(p, observed_at=NOW) for p in posts]


@pytest.fixture(scope="session")
def cli():
    """A function running the fakejob CLI of the build tree: cli(args, stdin) -> (rc, out, err)."""
    exe = os.environ.get("FAKEJOB_CLI")
    if not exe or not os.access(exe, os.X_OK):
        pytest.skip("FAKEJOB_CLI does not name the fakejob executable (set by tests/python.sh)")

    def run(args, stdin=b""):
        p = subprocess.run([exe, *args], input=stdin, capture_output=True, timeout=600)
        return p.returncode, p.stdout, p.stderr
    return run
