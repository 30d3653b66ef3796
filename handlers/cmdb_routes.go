package handlers

// cmdbRoutes: configuration items under the CMDB agreement, their access log and import.
func (s *Server) cmdbRoutes() []route {
	readers := roles(agent, admin, km, auditor).needs(cmdbRead)
	overseers := roles(auditor, admin)
	return []route{
		{"PUT /api/v1/cmdb/items/{key}", roles(admin), s.handleCMDBItemPut},
		{"GET /api/v1/cmdb/items/{key}", readers, s.handleCMDBItemView},
		{"GET /api/v1/cmdb/items/{key}/versions", roles(admin, km, auditor), s.handleCMDBItemHistory},
		{"GET /api/v1/cmdb/search", readers, s.handleCMDBSearch},
		{"PUT /api/v1/cmdb/agreement", roles(admin), s.handleCMDBAgreementPublish},
		{"GET /api/v1/cmdb/agreement", signedIn, s.handleCMDBAgreementView},
		{"POST /api/v1/cmdb/agreement/accept", roles(agent), s.handleCMDBAgreementAccept},
		{"PUT /api/v1/suppliers/{key}/cmdb-quota", roles(admin), s.handleCMDBQuotaSet},
		{"GET /api/v1/cmdb/access", overseers, s.handleCMDBAccessList},
		{"GET /api/v1/cmdb/access/flags", overseers, s.handleCMDBAccessFlags},
		{"GET /api/v1/cmdb/access.csv", overseers, s.handleCMDBAccessCSV},

		{"GET /cmdb", readers, s.handleCMDBSearch},
		{"POST /cmdb/ticket", roles(agent), s.handleCMDBTicket},
		{"GET /cmdb/agreement", signedIn, s.handleCMDBAgreementView},
		{"POST /cmdb/agreement", roles(admin), s.handleCMDBAgreementPublish},
		{"POST /cmdb/agreement/accept", roles(agent), s.handleCMDBAgreementAccept},
		{"GET /cmdb/access", overseers, s.handleCMDBAccessList},
		{"GET /cmdb/access.csv", overseers, s.handleCMDBAccessCSV},
		{"GET /cmdb/admin", roles(admin), s.handleCMDBAdmin},
		{"POST /cmdb/admin/import", roles(admin), s.handleCMDBImport},
		{"GET /cmdb/admin/import/{id}", roles(admin), s.handleCMDBImportStatus},
		{"POST /cmdb/admin/quota", roles(admin), s.handleCMDBQuotaSet},
		{"GET /cmdb/{key}", readers, s.handleCMDBItemView},
	}
}
