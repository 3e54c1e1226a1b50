package ecsemu

// knownRegion reports whether id is a region of the real service. The list
// is fixed (a switch, so no shared state) and realistic.
func knownRegion(id string) bool {
	switch id {
	case "cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao",
		"cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-chengdu", "cn-heyuan",
		"cn-guangzhou", "cn-nanjing", "cn-fuzhou", "cn-wuhan-lr", "cn-hongkong",
		"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-5",
		"ap-southeast-6", "ap-southeast-7", "ap-northeast-1", "ap-northeast-2",
		"ap-south-1", "us-west-1", "us-east-1", "eu-central-1", "eu-west-1",
		"me-east-1", "me-central-1", "na-south-1":
		return true
	}
	return false
}
