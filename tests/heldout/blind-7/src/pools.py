# -*- coding: utf-8 -*-
# Hand-written neutral filler pools used by build.py for length and field-presence balancing.
# Every line here is label-neutral: it is drawn for fraud and legit postings with the same probabilities.
ZH = {
 "profile": [
  "公司成立于2016年，总部位于华东，业务覆盖多个城市，现有员工三百余人，团队氛围年轻、开放，注重员工成长。",
  "我们是一家注重服务品质的企业，坚持以客户为中心，建立了完整的培训体系和清晰的晋升通道，欢迎优秀的你加入。",
  "公司自成立以来稳健经营，设有多个职能部门，办公环境舒适，交通便利，地铁站步行可达。",
  "本公司为区域内知名企业，多年来深耕本地市场，连续多年获评当地优秀企业，诚邀有志之士加入。",
  "我们致力于为客户提供专业、贴心的服务，拥有一支年轻有活力的团队，欢迎认同公司文化的你加入。",
  "公司秉承诚信、专业、共赢的理念，为员工提供稳定的发展平台，期待与你一起成长。",
  "集团下设多家子公司，业务稳步扩张，现因发展需要招聘以下岗位若干名。",
  "我们是一支小而精的团队，成员来自各行各业，沟通扁平，做事高效。"],
 "desc_onsite": [
  "工作时间：周一至周五 9:00-18:00，午休一小时。",
  "工作时间：做五休二，早班9:00-17:30，晚班13:30-22:00轮换。",
  "上班地点在商圈写字楼内，地铁站步行5分钟。",
  "工作地点可就近分配，具体以面试沟通为准。",
  "入职后有老员工带教，熟悉流程后独立上岗。",
  "面试流程：投递简历—电话沟通—现场面试—录用通知，一般一周内反馈结果。"],
 "desc_remote": [
  "工作时间相对灵活，每天保证一定的在线时长即可。",
  "全程线上沟通，入职后有专人对接指导。",
  "适合希望在家工作的求职者，具体安排面试时详谈。"],
 "req": [
  "有责任心，具备良好的沟通能力和团队合作精神。",
  "服从工作安排，能吃苦耐劳，做事认真细致。",
  "熟练使用电脑及常用办公软件。",
  "性格开朗，积极主动，学习能力强。",
  "无不良记录，身体健康。",
  "有相关工作经验者优先考虑，无经验可培训。"],
 "ben": ["节日福利、生日礼品", "团队聚餐、定期团建", "提供工作餐", "表现优秀者可获得晋升机会", "工作环境舒适，同事好相处"],
 "company_f": ["恒信企业服务有限公司", "博远信息咨询有限公司", "众联商务服务中心", "华宇科技发展有限公司", "瑞丰管理咨询有限公司", "新航线人力资源"],
 "company_l": ["嘉和文化传播有限公司", "立信商务服务", "蓝海信息技术有限公司", "同舟企业管理有限公司", "启元科技"],
 "location": ["北京·朝阳", "上海·徐汇", "广州·海珠", "深圳·宝安", "成都·武侯", "杭州·上城", "武汉·江汉", "西安·雁塔", "南京·建邺"],
 "contact_l": ["请通过本平台投递简历", "简历请投递至 hr@company.example", "招聘电话：0755-8xxx6621（工作日）", "请在线投递，合适者将电话通知面试"],
}
EN = {
 "profile": [
  "We are a growing company founded in 2014 with offices in several states and a friendly, team-first culture. We promote from within whenever we can.",
  "Our team is committed to service quality and invests in training and career growth for every employee, from day one onward.",
  "Family-owned and locally operated, we have served our community for more than twenty years and are proud of our reputation.",
  "We are an equal opportunity employer and value diverse backgrounds, experiences and perspectives on our team.",
  "Join a fast-paced, supportive workplace where your contributions are recognized and your ideas are heard.",
  "Headquartered in the Midwest, we serve thousands of customers nationwide with a mission of making everyday life easier.",
  "We believe great people build great companies. Our employees consistently rate us as a great place to work."],
 "desc_onsite": [
  "Schedule: Monday through Friday, 8:30am-5:00pm, with occasional Saturdays during peak season.",
  "This is an in-person role at our office, conveniently located near public transit with free parking.",
  "Shifts are scheduled two weeks in advance; evening and weekend availability is a plus.",
  "You will receive hands-on training from an experienced team member during your first weeks.",
  "Our hiring process: short phone screen, in-person interview, and offer within about a week."],
 "desc_remote": [
  "This position is remote; you will work from home and connect with your team online.",
  "Flexible hours are available once training is complete.",
  "You must have a quiet workspace and reliable internet."],
 "req": [
  "Excellent verbal and written communication skills.",
  "Strong attention to detail and the ability to multitask.",
  "Reliable, punctual and professional.",
  "Comfortable with computers and learning new software.",
  "Must be at least 18 years old.",
  "Positive attitude and a team player."],
 "ben": ["Paid holidays", "Employee appreciation events", "Casual dress code", "Opportunities for advancement", "Friendly team environment"],
 "company_f": ["Premier Solutions Group", "Apex Consulting Partners", "Horizon Business Services", "United Client Services LLC", "NextLevel Enterprises", "Pioneer Associates"],
 "company_l": ["Bluebird Business Services", "Crescent Office Solutions", "Harper & Lane Group", "Westfield Services Co."],
 "location": ["Dallas, TX", "Atlanta, GA", "Chicago, IL", "Phoenix, AZ", "Denver, CO", "Charlotte, NC", "Columbus, OH", "Seattle, WA"],
 "contact_l": ["Apply through this site.", "Send your resume to careers@company.example", "Questions? Call our office at (555) 010-2200 during business hours.", "Apply online; qualified candidates will be contacted for an interview."],
}
