/*
 * robust_data.h - a small hand-written labelled set (four fraudulent and four legitimate
 * postings in each of Chinese and English) and probe postings, with a helper that trains a
 * small bilingual model on them in well under a second. Used by test_model_corrupt (a bundle
 * to corrupt) and test_threads (a model to share). No test framework needed.
 */
#ifndef FJ_TESTS_ROBUST_DATA_H
#define FJ_TESTS_ROBUST_DATA_H

#include "fakejob.h"

#include <string.h>

static const char *const robust_train_json[] = {
    /* Chinese, fraudulent */
    "{\"lang\":\"zh\",\"label\":\"fraud\",\"title\":\"在家兼职打字员 "
    "日结\",\"company\":\"某某文化\","
    "\"description\":\"无需经验，手机即可操作，日结300元。入职前需缴纳培训费198元，名额有限，"
    "加QQ：2837461950咨询。\",\"salary\":\"日结300\",\"contact\":\"QQ：2837461950\"}",
    "{\"lang\":\"zh\",\"label\":\"fraud\",\"title\":\"高薪招聘客服 押金可退\",\"company\":\"\","
    "\"description\":\"工作轻松，月入过万。上岗前交押金500元及服装费，请提供身份证和银行卡号，"
    "加微信 kefu_8899 办理。\",\"salary\":\"15000-30000元/月\"}",
    "{\"lang\":\"zh\",\"label\":\"fraud\",\"title\":\"刷单员 佣金日结\",\"company\":\"网络科技\","
    "\"description\":\"网上刷单，每单佣金50元，先垫付后返款，今天报名今天上岗，速加微信。\","
    "\"contact\":\"微信 sd_2024\"}",
    "{\"lang\":\"zh\",\"label\":\"fraud\",\"title\":\"招聘司机 包吃住\",\"company\":\"某某人力\","
    "\"description\":\"急招司机，月薪2万，需先交体检费和办证费共800元，名额仅剩3个，"
    "联系电话 13800138000。\",\"salary\":\"20000元/月\"}",
    /* Chinese, legitimate */
    "{\"lang\":\"zh\",\"label\":\"legit\",\"title\":\"会计\",\"company\":"
    "\"上海明远会计师事务所有限公司\","
    "\"description\":\"负责公司日常账务处理、纳税申报及财务报表编制。\",\"requirements\":"
    "\"会计专业本科，持初级会计证，两年以上工作经验。\",\"salary\":\"8000-12000元/月\","
    "\"has_company_logo\":true,\"benefits\":\"五险一金_带薪年假\"}",
    "{\"lang\":\"zh\",\"label\":\"legit\",\"title\":\"Java开发工程师\",\"company\":"
    "\"杭州云帆软件有限公司\","
    "\"description\":\"参与后端服务的设计与开发，编写单元测试，参与代码评审。\",\"requirements\":"
    "\"计算机相关专业，熟悉Java与数据库。\",\"salary\":\"15000-25000元/"
    "月\",\"has_company_logo\":true}",
    "{\"lang\":\"zh\",\"label\":\"legit\",\"title\":\"仓库管理员\",\"company\":"
    "\"北京顺达物流有限公司\","
    "\"description\":\"负责仓库货物的出入库登记、盘点和库位管理。\",\"requirements\":"
    "\"高中以上学历，"
    "细心负责。\",\"salary\":\"6000-8000元/月\",\"benefits\":\"五险一金_包午餐\"}",
    "{\"lang\":\"zh\",\"label\":\"legit\",\"title\":\"小学语文教师\",\"company\":"
    "\"成都市实验小学\","
    "\"description\":\"承担三年级语文教学工作，参与教研活动。\",\"requirements\":\"持教师资格证，"
    "汉语言文学相关专业。\",\"salary\":\"7000-9000元/月\",\"has_company_logo\":true}",
    /* English, fraudulent */
    "{\"lang\":\"en\",\"label\":\"fraud\",\"title\":\"Data Entry Clerk - Work From Home\","
    "\"description\":\"Earn $500 per week typing from home. No experience needed. A one-time $49 "
    "registration fee gets you started. Text our hiring manager on WhatsApp now!\","
    "\"telecommuting\":true,\"has_company_logo\":false}",
    "{\"lang\":\"en\",\"label\":\"fraud\",\"title\":\"Mystery Shopper Needed Urgently\","
    "\"description\":\"You will receive a check, deposit it, keep $300 and wire the rest to our "
    "agent. Send your bank account details and SSN to apply.\",\"has_company_logo\":false}",
    "{\"lang\":\"en\",\"label\":\"fraud\",\"title\":\"Administrative Assistant (Remote)\","
    "\"description\":\"Interview on Telegram. You must buy the equipment from our vendor first; "
    "we reimburse you. Weekly pay $1,200. Limited spots, apply today.\",\"telecommuting\":true}",
    "{\"lang\":\"en\",\"label\":\"fraud\",\"title\":\"Payment Processing Agent\","
    "\"description\":\"Receive payments into your personal account and forward them. Earn 10% "
    "commission. No interview. Contact jobsdesk2024@gmail.com.\",\"has_company_logo\":false}",
    /* English, legitimate */
    "{\"lang\":\"en\",\"label\":\"legit\",\"title\":\"Staff Accountant\",\"company\":\"Harbor & "
    "Lane "
    "LLP\",\"description\":\"Prepare monthly reconciliations and support the year-end audit.\","
    "\"requirements\":\"Bachelor's degree in accounting; CPA track preferred.\","
    "\"has_company_logo\":true,\"has_questions\":true,\"employment_type\":\"Full-time\"}",
    "{\"lang\":\"en\",\"label\":\"legit\",\"title\":\"Backend Software Engineer\",\"company\":"
    "\"Northwind Systems\",\"description\":\"Design and maintain services in Go and PostgreSQL; "
    "take part in code review and on-call.\",\"requirements\":\"3+ years of backend "
    "development.\",\"has_company_logo\":true,\"benefits\":\"Health, dental, 401(k)\"}",
    "{\"lang\":\"en\",\"label\":\"legit\",\"title\":\"Warehouse Associate\",\"company\":\"Bluebird "
    "Logistics\",\"description\":\"Pick, pack and ship orders; keep inventory records "
    "accurate.\",\"requirements\":\"Able to lift 50 lb; forklift certification a plus.\","
    "\"salary\":\"$18-$21/hour\",\"has_company_logo\":true}",
    "{\"lang\":\"en\",\"label\":\"legit\",\"title\":\"Elementary School Teacher\",\"company\":"
    "\"Maple Grove School District\",\"description\":\"Teach a third-grade class and work with "
    "families and colleagues.\",\"requirements\":\"State teaching license.\","
    "\"has_company_logo\":true,\"has_questions\":true}",
};
#define ROBUST_TRAIN_COUNT (sizeof robust_train_json / sizeof robust_train_json[0])

/* Postings to score: unseen text in both languages, one with no language given. */
static const char *const robust_probe_json[] = {
    "{\"title\":\"兼职录入员\",\"description\":\"在家用手机打字，日结200元，先交会员费99元，"
    "加QQ 1234567 报名。\"}",
    "{\"title\":\"行政助理\",\"company\":\"南京华信科技有限公司\",\"description\":\"负责会议安排、"
    "文件整理和办公用品采购。\",\"salary\":\"6000-7000元/月\",\"has_company_logo\":true}",
    "{\"title\":\"Remote Customer Service Rep\",\"description\":\"Make $800 a week! Pay a small "
    "training fee and message us on WhatsApp to start today.\",\"telecommuting\":true}",
    "{\"title\":\"Registered Nurse\",\"company\":\"St. Anne Hospital\",\"description\":\"Provide "
    "patient care on a medical-surgical unit; 12-hour shifts.\",\"requirements\":\"RN license, "
    "BLS.\",\"has_company_logo\":true,\"has_questions\":true}",
    "{\"lang\":\"en\",\"title\":\"Typist\",\"description\":\"typing\"}",
};
#define ROBUST_PROBE_COUNT (sizeof robust_probe_json / sizeof robust_probe_json[0])

/* The training parameters: a fixed C (no grid search), two folds, text features kept when
 * they occur in at least `min_df` postings (1: all, the richest model; 2: a bundle a quarter
 * the size). */
static inline void robust_train_params(fj_train_params *tp, int min_df)
{
    fj_train_params_init(tp);
    tp->C = 1.0;
    tp->folds = 2;
    tp->min_df = min_df;
    tp->threads = 1;
    tp->name = "robust-test";
    tp->version = "0.0.1";
}

/* Train the small bilingual model. */
static inline fj_status robust_train_seg(fj_model **out, int min_df, fj_segmentation seg,
                                         fj_error *err)
{
    fj_dataset *d = NULL;
    fj_posting *p = NULL;
    fj_status st = fj_dataset_new(&d, err);
    if (st == FJ_OK)
        st = fj_posting_new(&p, err);
    for (size_t i = 0; st == FJ_OK && i < ROBUST_TRAIN_COUNT; i++) {
        st = fj_posting_parse_json(p, robust_train_json[i], strlen(robust_train_json[i]), err);
        if (st == FJ_OK)
            st = fj_dataset_add(d, p, NULL, err);
    }
    fj_train_params tp;
    robust_train_params(&tp, min_df);
    tp.segmentation = seg;
    if (st == FJ_OK)
        st = fj_train(out, d, &tp, err);
    fj_posting_free(p);
    fj_dataset_free(d);
    return st;
}

static inline fj_status robust_train(fj_model **out, int min_df, fj_error *err)
{
    return robust_train_seg(out, min_df, FJ_SEG_DICTIONARY, err);
}

#endif
